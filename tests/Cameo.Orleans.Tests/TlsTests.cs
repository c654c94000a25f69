using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Cameo.Orleans.Tests;

/// <summary>A silo with the cluster certificate (<c>cameo silo --tls-cert</c>), over real TCP: only clients holding it get in.</summary>
public sealed class TlsTests
{
    private static X509Certificate2 SelfSigned(string name)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], critical: false)); // server and client authentication
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pfx), null);
    }


    [Fact]
    public async Task Only_a_client_with_the_cluster_certificate_connects()
    {
        using var cluster = SelfSigned("cameo-cluster");
        using var stranger = SelfSigned("someone-else");
        int port = LocalCluster.FreePort(), gateway = LocalCluster.FreePort();
        using var silo = ClusterHosting.BuildSilo(new SiloSettings(null, port, gateway, port, "cameo", Turns: 1), tls: cluster);
        await silo.StartAsync();
        try
        {
            using (var client = await ClusterHosting.ConnectAsync(null, gateway, timeout: TimeSpan.FromSeconds(30), tls: cluster))
            {
                Assert.Empty(await client.CameoClient().ListAsync());
                await client.StopAsync();
            }
            await Assert.ThrowsAsync<TimeoutException>(() => ClusterHosting.ConnectAsync(null, gateway, timeout: TimeSpan.FromSeconds(5)));
            await Assert.ThrowsAsync<TimeoutException>(() => ClusterHosting.ConnectAsync(null, gateway, timeout: TimeSpan.FromSeconds(5), tls: stranger));
        }
        finally
        {
            await silo.StopAsync();
        }
    }
}
