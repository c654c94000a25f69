using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;

namespace Cameo.Orleans;

/// <summary>How a <c>cameo silo</c> process joins its cluster.</summary>
/// <param name="Redis">Redis membership (<c>HOST:PORT</c>), or null for localhost development clustering.</param>
/// <param name="SiloPort">This silo's port for other silos.</param>
/// <param name="GatewayPort">This silo's port for clients.</param>
/// <param name="PrimarySiloPort">Development clustering only: the silo port of the cluster's first silo.</param>
/// <param name="Policy">A scheduling policy name, or <c>orleans-default</c>.</param>
/// <param name="Turns">Grains processing at once (null: one per core). Silos sharing a machine should split its cores.</param>
public sealed record SiloSettings(string? Redis, int SiloPort, int GatewayPort, int PrimarySiloPort, string Policy, int? Turns = null);

/// <summary>Builds silo and client hosts for clusters of separate processes on one machine.</summary>
public static class ClusterHosting
{
    public const string ClusterId = "cameo";
    public const string ServiceId = "cameo";

    /// <summary>A silo host, not yet started.</summary>
    /// <exception cref="ArgumentException">Unknown policy, or fewer than one turn.</exception>
    public static IHost BuildSilo(SiloSettings settings)
    {
        if (settings.Turns is < 1) throw new ArgumentException($"--turns must be at least 1, not {settings.Turns}.");
        var policy = CameoSiloOptions.ParsePolicy(settings.Policy);
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.UseOrleans(silo =>
        {
            if (settings.Redis is null)
            {
                silo.UseLocalhostClustering(settings.SiloPort, settings.GatewayPort,
                    new IPEndPoint(IPAddress.Loopback, settings.PrimarySiloPort), ServiceId, ClusterId);
            }
            else
            {
                silo.UseRedisClustering(settings.Redis);
                silo.Configure<ClusterOptions>(o => (o.ClusterId, o.ServiceId) = (ClusterId, ServiceId));
                silo.ConfigureEndpoints(IPAddress.Loopback, settings.SiloPort, settings.GatewayPort);
            }
            silo.AddCameo(o =>
            {
                o.Policy = policy;
                o.RaiseThreadPoolMinimum = true; // a `cameo silo` process: its thread pool is the silo's to size
                if (settings.Turns is { } turns) o.Turns = turns;
            });
        });
        return builder.Build();
    }

    /// <summary>Connects a client to a cluster: through Redis membership, or to a local silo's gateway port.</summary>
    /// <exception cref="TimeoutException">No silo answered within <paramref name="timeout"/> (default 15 s).</exception>
    public static async Task<IHost> ConnectAsync(string? redis, int gatewayPort, CancellationToken cancellationToken = default, TimeSpan? timeout = null)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders(); // a client reports failures as exceptions, not as log noise
        builder.UseOrleansClient(client =>
        {
            if (redis is null) client.UseLocalhostClustering(gatewayPort, ServiceId, ClusterId);
            else
            {
                client.UseRedisClustering(redis);
                client.Configure<ClusterOptions>(o => (o.ClusterId, o.ServiceId) = (ClusterId, ServiceId));
            }
            client.AddCameo();
        });
        var host = builder.Build();
        var limit = timeout ?? TimeSpan.FromSeconds(15);
        try
        {
            await host.StartAsync(cancellationToken).WaitAsync(limit, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is TimeoutException || (ex is not OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            host.Dispose();
            string where = redis is null ? $"gateway 127.0.0.1:{gatewayPort}" : $"Redis membership at {redis}";
            throw new TimeoutException($"Cannot reach a Cameo cluster through {where} within {limit.TotalSeconds:0} s: is a silo running? ({ex.Message})", ex);
        }
        return host;
    }

    public static CameoClient CameoClient(this IHost clientHost) => new(clientHost.Services.GetRequiredService<IClusterClient>());
}
