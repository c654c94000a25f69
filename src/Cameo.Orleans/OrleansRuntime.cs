using System.Diagnostics;
using Cameo.Dataflow;
using Cameo.Execution;
using Cameo.Orleans.Deployment;
using Cameo.Orleans.Grains;
using Cameo.Orleans.Scheduling;
using Cameo.Runtime;
using Cameo.Scheduling;
using Orleans.Runtime.Placement;

namespace Cameo.Orleans;

/// <summary>
/// Runs a <see cref="CameoEngine"/>'s queries on an Orleans cluster whose silos share this process
/// (each instance a grain, see <see cref="InstanceGrain"/>), so the very same query definitions run
/// embedded or distributed: <c>EngineOptions.Runtime = OrleansRuntime.InProcess(2, SchedulingPolicies.Cameo)</c>
/// (a <see cref="LocalCluster"/> started in this process).
/// </summary>
/// <remarks>
/// Query definitions hold lambdas, so the silos find a query's plan in this process's
/// <see cref="LocalQueries"/>. Silos in other processes can only run catalog queries (see
/// <see cref="CameoClient"/>). Fault behaviour: a silo that dies mid-query fails the queries that had
/// instances on it with a <see cref="QueryFailedException"/> naming the lost instance (operator state
/// is not replicated); other queries are untouched.
/// </remarks>
public sealed class OrleansRuntime : IQueryRuntime
{
    private static readonly TimeSpan PollEvery = TimeSpan.FromMilliseconds(20);
    private static readonly TimeSpan CoordinatorSilence = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan PollTimeout = TimeSpan.FromSeconds(2);

    private readonly IGrainFactory _grains;
    private readonly SiloAddress? _home;
    private readonly IAsyncDisposable? _owned;
    private readonly TurnScheduler? _scheduler;
    private readonly RuntimeLifecycle<OrleansQuery> _lifecycle = new(q => q.Launch());
    private TimeSpan _cpuAtReset;
    private long _resetAt;

    /// <param name="grains">The cluster (a client, or a silo's grain factory).</param>
    /// <param name="workers">Turns across the cluster, for reports.</param>
    /// <param name="home">Silo to place query coordinators on, or null for Orleans' choice.</param>
    /// <param name="owned">Disposed with the runtime (an in-process cluster it started).</param>
    /// <param name="scheduler">The turn scheduler of the silos in this process, whose turns <see cref="PriorityInversion"/> reports; null: not measured.</param>
    public OrleansRuntime(IGrainFactory grains, int workers, SiloAddress? home = null, IAsyncDisposable? owned = null, TurnScheduler? scheduler = null)
    {
        _grains = grains;
        Workers = workers;
        _home = home;
        _owned = owned;
        _scheduler = scheduler;
        ResetUtilization();
    }

    /// <summary>
    /// A runtime factory for <see cref="EngineOptions.Runtime"/>: starts <paramref name="silos"/> silos in
    /// this process (a <see cref="LocalCluster"/>), scheduling by <paramref name="policy"/> (null: plain
    /// Orleans order, <c>orleans-default</c>). The silos share one turn scheduler, as they share the cores.
    /// With <see cref="EngineOptions.Checkpoints"/> (a store every silo reaches) the queries are checkpointed
    /// and roll back to their last checkpoint when a silo dies (see <see cref="CameoSiloOptions.Checkpoints"/>).
    /// </summary>
    public static Func<EngineOptions, IQueryRuntime> InProcess(int silos, ISchedulingPolicy? policy, Action<CameoSiloOptions>? configure = null) => engine =>
    {
        var cluster = LocalCluster.StartAsync(silos, o =>
        {
            o.Policy = policy;
            o.Checkpoints = engine.Checkpoints; // the engine's checkpoints: its queries roll back instead of failing when a silo dies
            configure?.Invoke(o);
        }).GetAwaiter().GetResult();
        var home = cluster.Silos[0];
        var scheduler = cluster.CameoSilo(home).Scheduler; // shared by the silos of the process
        return new OrleansRuntime(cluster.Grains, scheduler?.Turns ?? Environment.ProcessorCount, home, cluster, scheduler);
    };

    public string Name => "orleans";

    public int Workers { get; }

    /// <summary>This process's CPU use over its cores since the last reset (silos, sources and sinks alike).</summary>
    public double Utilization
    {
        get
        {
            double elapsed = Stopwatch.GetElapsedTime(Volatile.Read(ref _resetAt)).TotalSeconds;
            double cpu = (Process.GetCurrentProcess().TotalProcessorTime - _cpuAtReset).TotalSeconds;
            return elapsed <= 0 ? 0 : Math.Min(1.0, cpu / (elapsed * Environment.ProcessorCount));
        }
    }

    /// <summary>
    /// Priority inversion on the turns of this process's silos (see <see cref="TurnScheduler.Inversion"/>);
    /// <see cref="Metrics.PriorityInversion.None"/> under <c>orleans-default</c> or for a client of silos in other processes.
    /// </summary>
    public Metrics.PriorityInversion PriorityInversion => _scheduler?.Inversion.Snapshot() ?? Metrics.PriorityInversion.None;

    public void ResetUtilization()
    {
        _scheduler?.Inversion.Reset();
        _cpuAtReset = Process.GetCurrentProcess().TotalProcessorTime;
        Volatile.Write(ref _resetAt, Stopwatch.GetTimestamp());
    }

    public IDeployedQuery Deploy(QueryContext context, PhysicalPlan plan, DeployOptions options)
    {
        string key = $"{context.Name}-{Guid.NewGuid():N}";
        var spec = new QuerySpec(key, context.Name, Catalog: null,
            Instances: [.. plan.Instances.Select(i => $"{i.Node.Name}[{i.Partition}]")],
            Sources: [.. plan.Instances.Select((inst, i) => (inst, i)).Where(x => x.inst.Node.Kind == NodeKind.Source).Select(x => x.i)],
            Sinks: plan.SinkInstances, options.BatchSize, options.MaxInFlightMessages, EventsPerSecond: 0, Count: null);
        LocalQueries.Add(key, new LocalQuery(context, plan, options.BatchSize));
        return _lifecycle.Deploy(new OrleansQuery(this, spec));
    }

    public void Start() => _lifecycle.Start();

    public Task StopAsync(TimeSpan drain) => _lifecycle.StopAsync(drain);

    public async ValueTask DisposeAsync()
    {
        if (!_lifecycle.Stopping) await StopAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        if (_owned is not null) await _owned.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>A query deployed through this runtime: its coordinator, watched until it ends.</summary>
    private sealed class OrleansQuery(OrleansRuntime runtime, QuerySpec spec) : IDeployedQuery
    {
        private readonly QueryCompletion _completion = new(spec.Name, spec.Sinks);
        private readonly IQueryGrain _coordinator = runtime._grains.GetGrain<IQueryGrain>(spec.Key);
        private Task? _deployed;

        public Task Completion => _completion.Task;

        public Exception? Failure => _completion.Failure;

        public void Launch() => _deployed ??= RunAsync();

        public void Stop()
        {
            if (_deployed is null) _completion.Complete(); // never started
            else _ = _deployed.ContinueWith(_ => _coordinator.Stop(), TaskScheduler.Default);
        }

        private async Task RunAsync()
        {
            try
            {
                if (runtime._home is not null) RequestContext.Set(IPlacementDirector.PlacementHintKey, runtime._home);
                var deploy = _coordinator.Deploy(spec);
                RequestContext.Remove(IPlacementDirector.PlacementHintKey);
                var status = await deploy.ConfigureAwait(false);
                long answered = Stopwatch.GetTimestamp();
                while (!status.IsTerminal)
                {
                    await Task.Delay(PollEvery).ConfigureAwait(false);
                    try
                    {
                        status = await _coordinator.Status().WaitAsync(PollTimeout).ConfigureAwait(false);
                        answered = Stopwatch.GetTimestamp();
                    }
                    catch (Exception ex) when (ex is not QueryFailedException)
                    {
                        // A gateway or silo going away fails a call or two; a coordinator that stays silent is lost.
                        if (Stopwatch.GetElapsedTime(answered) > CoordinatorSilence)
                            throw new InvalidOperationException($"The query's coordinator has not answered for {CoordinatorSilence.TotalSeconds:0} s: {ex.Message}", ex);
                    }
                }
                if (status.State == QueryState.Completed) _completion.Complete();
                else _completion.Fail(status.FailedAt, new InvalidOperationException(status.Error ?? $"The query ended in state {status.State}."));
            }
            catch (Exception ex)
            {
                _completion.Fail(null, ex);
            }
            finally
            {
                LocalQueries.Remove(spec.Key);
            }
        }
    }
}
