using Cameo.Orleans;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;

namespace Cameo.Testing;

/// <summary>
/// A cluster of several silos in this process (Orleans' in-process test cluster: real silos,
/// membership and serialization, an in-memory transport between them), for tests that kill silos or
/// reach into them. Queries of an engine run on in-process silos with <see cref="OrleansRuntime.InProcess"/>
/// (package Cameo.Orleans, without a test host).
/// </summary>
public sealed class InProcessCluster : IAsyncDisposable
{
    private InProcessCluster(InProcessTestCluster cluster) => Cluster = cluster;

    public InProcessTestCluster Cluster { get; }

    public IClusterClient Client => Cluster.Client;

    /// <summary>The silos' addresses, in a fixed order.</summary>
    public IReadOnlyList<SiloAddress> Silos => [.. Cluster.Silos.Select(s => s.SiloAddress).OrderBy(a => a.ToString(), StringComparer.Ordinal)];

    /// <summary>
    /// Starts <paramref name="silos"/> silos, each configured by <paramref name="configure"/>. They
    /// share this machine's cores, so they share one turn scheduler (unless <paramref name="configure"/>
    /// sets one; see <see cref="CameoSiloOptions.ShareScheduler"/>).
    /// </summary>
    public static async Task<InProcessCluster> StartAsync(int silos, Action<CameoSiloOptions>? configure = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(silos, 1);
        var share = CameoSiloOptions.ShareScheduler();
        var builder = new InProcessTestClusterBuilder((short)silos);
        builder.Options.ConfigureFileLogging = false; // else every run leaves log files in the working directory
        builder.ConfigureSilo((_, silo) => silo.AddCameo(o =>
        {
            o.RaiseThreadPoolMinimum = true; // a benchmark or test process: its thread pool is Cameo's to size
            configure?.Invoke(o);
            share(o);
        }));
        builder.ConfigureClient(client => client.AddCameo());
        var cluster = builder.Build();
        await cluster.DeployAsync().ConfigureAwait(false);
        return new InProcessCluster(cluster);
    }

    /// <summary>The Cameo services of silo <paramref name="silo"/> (its options and turn scheduler).</summary>
    public CameoSilo CameoSilo(SiloAddress silo) => Cluster.GetSiloServiceProvider(silo).GetRequiredService<CameoSilo>();

    /// <summary>Kills a silo abruptly, as a crash would.</summary>
    public Task KillAsync(SiloAddress silo) => Cluster.KillSiloAsync(Cluster.Silos.Single(s => s.SiloAddress.Equals(silo)));

    public ValueTask DisposeAsync() => Cluster.DisposeAsync();
}
