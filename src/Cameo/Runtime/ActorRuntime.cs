using System.Diagnostics;
using Cameo.Dataflow;
using Cameo.Execution;
using Cameo.Messages;
using Cameo.Metrics;
using Cameo.Scheduling;
using Cameo.Scheduling.Core;

namespace Cameo.Runtime;

/// <summary>
/// What the in-process runtimes share: queries deployed as <see cref="QueryRun"/>s of actors, the
/// start/stop lifecycle, and utilization as busy time over the time the workers had. Subclasses
/// decide who runs the actors (<see cref="EmbeddedRuntime"/>: a shared pool by urgency;
/// <see cref="SlotRuntime"/>: a thread each).
/// </summary>
public abstract class ActorRuntime : IQueryRuntime, IActorScheduler
{
    private readonly RuntimeLifecycle<QueryRun> _lifecycle;
    private long _startedAt;
    private volatile bool _stopping;

    private protected ActorRuntime(ISchedulingPolicy policy)
    {
        Policy = policy;
        _lifecycle = new RuntimeLifecycle<QueryRun>(q => Launch(q));
    }

    public ISchedulingPolicy Policy { get; }

    public abstract string Name { get; }

    public abstract int Workers { get; }

    /// <summary>True once <see cref="Start"/> ran.</summary>
    protected bool Started => _lifecycle.Started;

    /// <summary>True once the runtime is stopping: threads should leave their loops.</summary>
    protected bool Stopping => _stopping;

    /// <summary>Worker time spent processing messages since the start (or the last reset), in <see cref="Stopwatch"/> ticks.</summary>
    private protected abstract long BusyTicks { get; }

    private protected abstract void ResetBusyTicks();

    public double Utilization
    {
        get
        {
            long elapsed = Stopwatch.GetTimestamp() - Volatile.Read(ref _startedAt);
            return !Started || elapsed <= 0 ? 0 : Math.Min(1.0, BusyTicks / (double)(elapsed * Workers));
        }
    }

    /// <summary>The runtime's priority-inversion meter, or null where it is not measured.</summary>
    private protected virtual PriorityInversionMeter? Inversion => null;

    /// <inheritdoc/>
    public PriorityInversion PriorityInversion => Inversion?.Snapshot() ?? PriorityInversion.None;

    public void ResetUtilization()
    {
        ResetBusyTicks();
        Inversion?.Reset();
        Volatile.Write(ref _startedAt, Stopwatch.GetTimestamp());
    }

    public IDeployedQuery Deploy(QueryContext context, PhysicalPlan plan, DeployOptions options) =>
        _lifecycle.Deploy(new QueryRun(this, context, plan, options));

    public void Start() => _lifecycle.Start(() =>
    {
        _startedAt = Stopwatch.GetTimestamp();
        OnStart();
    });

    /// <summary>Starts the runtime's own threads (before any query is launched).</summary>
    private protected virtual void OnStart() { }

    /// <summary>Gets a deployed query going on a started runtime.</summary>
    private protected virtual void Launch(QueryRun run) => run.StartSources();

    /// <summary>Stops the sources of every query, lets what is in flight drain for up to <paramref name="drain"/>, then stops the threads.</summary>
    public async Task StopAsync(TimeSpan drain)
    {
        var queries = await _lifecycle.StopAsync(drain).ConfigureAwait(false);
        _stopping = true;
        OnStop(queries);
    }

    /// <summary>Wakes and joins the runtime's threads; <see cref="Stopping"/> is already set.</summary>
    private protected abstract void OnStop(IReadOnlyList<QueryRun> queries);

    void IActorScheduler.Enqueue(Actor actor, Message message, long rank) => Enqueue(actor, message, rank);

    bool IActorScheduler.RunsSources => RunsSources;

    /// <inheritdoc cref="IActorScheduler.RunsSources"/>
    private protected virtual bool RunsSources => false;

    /// <inheritdoc cref="IActorScheduler.Enqueue"/>
    private protected abstract void Enqueue(Actor actor, Message message, long rank);

    void IActorScheduler.Inherit(Actor actor, long rank) => Inherit(actor, rank);

    /// <inheritdoc cref="IActorScheduler.Inherit"/>
    private protected virtual void Inherit(Actor actor, long rank)
    {
        lock (actor.Lock) actor.Mailbox.InheritedRank = rank;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stopping) await StopAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        GC.SuppressFinalize(this);
    }
}
