using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Orleans.Connections.Security;

namespace Cameo.Orleans;

/// <summary>
/// TLS for a cluster of <c>cameo</c> processes (<c>--tls-cert</c>): every connection between silos,
/// and from clients to silos, is encrypted and mutually authenticated. Each side presents its
/// certificate and accepts the other's if it chains to a trusted root, or if it is the cluster's own
/// certificate (one self-signed certificate shared by the silos and their clients): a process
/// without its private key cannot join or submit.
/// </summary>
public static class ClusterTls
{
    /// <summary>Loads a PKCS#12 (.pfx) certificate with its private key.</summary>
    /// <exception cref="IOException">The file cannot be read.</exception>
    /// <exception cref="System.Security.Cryptography.CryptographicException">It is not a certificate with a private key, or the password is wrong.</exception>
    public static X509Certificate2 Load(string path, string? password)
    {
        var certificate = X509CertificateLoader.LoadPkcs12FromFile(path, password);
        return certificate.HasPrivateKey ? certificate
            : throw new System.Security.Cryptography.CryptographicException($"{path} holds no private key: TLS needs the certificate with its key (.pfx).");
    }

    /// <summary>Requires a certificate from the remote side, and accepts only a trusted one or <paramref name="certificate"/> itself.</summary>
    public static void Configure(TlsOptions options, X509Certificate2 certificate)
    {
        options.RemoteCertificateMode = RemoteCertificateMode.RequireCertificate;
        options.ClientCertificateMode = RemoteCertificateMode.RequireCertificate;
        options.RemoteCertificateValidation = (remote, _, errors) => errors == SslPolicyErrors.None || remote.RawData.AsSpan().SequenceEqual(certificate.RawData);
    }
}
