using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Cameo.Orleans;

/// <summary>
/// Several silos in this process, each a host of its own on loopback ports (development clustering:
/// real silos, membership, serialization and TCP between them), for benchmarks and single-machine
/// runs. It needs nothing beyond Orleans' server package, so the <c>cameo</c> tool carries no test host.
/// </summary>
public sealed class LocalCluster : IAsyncDisposable
{
    private readonly IHost[] _hosts;

    private LocalCluster(IHost[] hosts) => _hosts = hosts;

    /// <summary>A grain factory of the first silo: calls from it enter the cluster there.</summary>
    public IGrainFactory Grains => _hosts[0].Services.GetRequiredService<IGrainFactory>();

    /// <summary>The silos' addresses, in a fixed order.</summary>
    public IReadOnlyList<SiloAddress> Silos => [.. _hosts.Select(h => h.Services.GetRequiredService<ILocalSiloDetails>().SiloAddress).OrderBy(a => a.ToString(), StringComparer.Ordinal)];

    /// <summary>
    /// Starts <paramref name="silos"/> silos, each configured by <paramref name="configure"/>, and
    /// returns once every one of them sees all as active. They share this machine's cores, so they
    /// share one turn scheduler (see <see cref="CameoSiloOptions.ShareScheduler"/>).
    /// </summary>
    public static async Task<LocalCluster> StartAsync(int silos, Action<CameoSiloOptions>? configure = null, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(silos, 1);
        var share = CameoSiloOptions.ShareScheduler();
        int primary = FreePort();
        var hosts = new IHost[silos];
        var cluster = new LocalCluster(hosts);
        try
        {
            for (int i = 0; i < silos; i++)
            {
                var builder = new HostApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
                builder.Logging.ClearProviders(); // a benchmark's silos print nothing
                int siloPort = i == 0 ? primary : FreePort();
                builder.UseOrleans(silo =>
                {
                    silo.UseLocalhostClustering(siloPort, FreePort(), new IPEndPoint(IPAddress.Loopback, primary), $"cameo-local-{primary}", $"cameo-local-{primary}");
                    silo.AddCameo(o =>
                    {
                        o.RaiseThreadPoolMinimum = true; // a benchmark process: its thread pool is Cameo's to size
                        configure?.Invoke(o);
                        share(o);
                    });
                });
                hosts[i] = builder.Build();
                await hosts[i].StartAsync(cancellationToken).ConfigureAwait(false);
            }
            await cluster.WaitForActiveAsync(silos, cancellationToken).ConfigureAwait(false);
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>The Cameo services of silo <paramref name="silo"/> (its options and turn scheduler).</summary>
    public CameoSilo CameoSilo(SiloAddress silo) =>
        _hosts.Single(h => h.Services.GetRequiredService<ILocalSiloDetails>().SiloAddress.Equals(silo)).Services.GetRequiredService<CameoSilo>();

    /// <summary>Until every silo sees <paramref name="silos"/> active silos: a query placed earlier would leave out those still joining.</summary>
    private async Task WaitForActiveAsync(int silos, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        while (true)
        {
            bool all = true;
            foreach (var host in _hosts)
            {
                var hosts = await host.Services.GetRequiredService<IGrainFactory>().GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true).ConfigureAwait(false);
                all &= hosts.Count == silos;
            }
            if (all) return;
            try
            {
                await Task.Delay(50, timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"The {silos} silos of a local cluster did not all see each other as active within 60 s.");
            }
        }
    }

    /// <summary>A TCP port on loopback that nothing listens on right now.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Stops the silos, the first (the primary) last.</summary>
    public async ValueTask DisposeAsync()
    {
        for (int i = _hosts.Length - 1; i >= 0; i--)
        {
            if (_hosts[i] is not { } host) continue;
            try
            {
                using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                await host.StopAsync(stop.Token).ConfigureAwait(false);
            }
            finally
            {
                host.Dispose();
            }
        }
    }
}
