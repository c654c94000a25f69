using Cameo.Orleans;
using Cameo.Orleans.Scheduling;
using Cameo.Runtime;
using Cameo.Scheduling;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;

namespace Cameo.Testing;

/// <summary>
/// A cluster of several silos in this process (Orleans' in-process test cluster: real silos,
/// membership and serialization, an in-memory transport between them). For benchmarks and tests.
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
    /// sets one): each taking a turn per core would run more CPU-bound turns than there are cores,
    /// and the OS would time-slice them regardless of deadlines.
    /// </summary>
    public static async Task<InProcessCluster> StartAsync(int silos, Action<CameoSiloOptions>? configure = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(silos, 1);
        var gate = new object();
        TurnScheduler? shared = null;
        var builder = new InProcessTestClusterBuilder((short)silos);
        builder.Options.ConfigureFileLogging = false; // else every run leaves log files in the working directory
        builder.ConfigureSilo((_, silo) => silo.AddCameo(o =>
        {
            o.RaiseThreadPoolMinimum = true; // a benchmark or test process: its thread pool is Cameo's to size
            configure?.Invoke(o);
            if (o.Policy is not null) lock (gate) o.SharedScheduler ??= shared ??= o.CreateScheduler();
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

/// <summary>Runs a <see cref="CameoEngine"/>'s queries on silos started in this process.</summary>
public static class InProcessRuntime
{
    extension(OrleansRuntime)
    {
        /// <summary>
        /// A runtime factory for <see cref="EngineOptions.Runtime"/>: starts <paramref name="silos"/> silos in
        /// this process, scheduling by <paramref name="policy"/> (null: plain Orleans order, <c>orleans-default</c>).
        /// The silos share one turn scheduler, as they share the cores (see <see cref="InProcessCluster.StartAsync"/>).
        /// </summary>
        public static Func<EngineOptions, IQueryRuntime> InProcess(int silos, ISchedulingPolicy? policy, Action<CameoSiloOptions>? configure = null) => _ =>
        {
            var cluster = InProcessCluster.StartAsync(silos, o =>
            {
                o.Policy = policy;
                configure?.Invoke(o);
            }).GetAwaiter().GetResult();
            var scheduler = cluster.CameoSilo(cluster.Silos[0]).Scheduler; // shared by the silos of the process
            return new OrleansRuntime(cluster.Client, scheduler?.Turns ?? Environment.ProcessorCount, cluster.Silos[0], cluster, scheduler);
        };
    }
}
