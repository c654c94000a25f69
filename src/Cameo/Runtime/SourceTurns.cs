using Cameo.Messages;
using Cameo.Progress;
using Cameo.Scheduling;
using Cameo.Time;

namespace Cameo.Runtime;

/// <summary>
/// Runs a source instance's driver (<see cref="SourceDriver"/>) on the runtime's workers: every
/// continuation of the driver (a wake-up when events fall due, credit given back, a read that
/// completed) becomes a message to the source's own actor, ranked by the policy like any other.
/// </summary>
/// <remarks>
/// Ingestion is where every record's latency starts. Left to the thread pool, a source's wake-up
/// competes with the busy workers for the cores under the operating system's scheduler, which knows
/// nothing of deadlines: on a loaded machine a tight query's events then wait milliseconds before
/// they are even read, the more so while bulk queries' sources catch up. As turns of their own
/// actors, reads run in deadline order between messages (each of bounded cost), so a tight query's
/// source waits at most for the messages already running, and a bulk query's catch-up reads wait
/// behind more urgent work. A source actor is single-threaded like any actor, so the driver's
/// steps never overlap.
/// </remarks>
internal sealed class SourceTurns : TaskScheduler
{
    private readonly Actor _actor;
    private readonly IActorScheduler _runtime;

    public SourceTurns(Actor actor, IActorScheduler runtime)
    {
        _actor = actor;
        _runtime = runtime;
    }

    /// <summary>A step of the driver, queued as a message to the source's actor.</summary>
    public sealed class Step(SourceTurns owner, Task task) : Message
    {
        /// <summary>
        /// Runs the step on the calling thread, without its synchronization context (a host's, or
        /// a test runner's): the driver's next step must come back here, not go there.
        /// </summary>
        public void Run()
        {
            var context = SynchronizationContext.Current;
            SynchronizationContext.SetSynchronizationContext(null);
            try
            {
                owner.TryExecuteTask(task);
            }
            finally
            {
                SynchronizationContext.SetSynchronizationContext(context);
            }
        }
    }

    /// <summary>The views of the queries reading a shared stream, refilled at each step (a driver has one step pending at a time).</summary>
    private SharedConsumer[] _consumers = [];

    /// <summary>
    /// Queues a step at the rank of the records it may read: arriving now, due by the query's
    /// target less the cost of their path to the sinks. A shared stream's source reads for every
    /// query reading the stream: its step is as urgent as the most urgent of them needs its
    /// records (its own target applies only while no query reads it). Ranked by its own loose
    /// target, it would wait behind every other message, including the lax readers' work deferred
    /// by design, and the tight readers' input would be read only once that had run.
    /// </summary>
    protected override void QueueTask(Task task)
    {
        var query = _actor.Query.Context;
        var host = _actor.Host;
        long now = PhysicalTime.Now(query.Clock);
        var context = query.SharedConsumers is { } shared && MostUrgent(shared, query.Id, now, host) is { } urgent
            ? urgent
            : ContextConverter.Build(query.Id, query.LatencyTargetTicks, now, now, host.Downstream, host.Node.Id);
        _runtime.Enqueue(_actor, new Step(this, task) { Context = context }, _runtime.Policy.Rank(context, now));
    }

    private PriorityContext? MostUrgent(Execution.ISharedConsumers shared, int queryId, long now, Execution.InstanceHost host)
    {
        if (_consumers.Length < shared.Count) _consumers = new SharedConsumer[shared.Count];
        int n = shared.Fill(_consumers);
        // Records not yet read have no event time: each reader's context is that of records arriving now on a path that releases them at once.
        return ContextConverter.MostUrgent(queryId, now, long.MaxValue, Watermark.None, Watermark.None,
            host.Downstream.CostOf(host.Node.Id), host.Downstream.PathBelow(host.Node.Id), _consumers.AsSpan(0, n));
    }

    /// <summary>Steps run only as turns of the actor, never inline on another thread.</summary>
    protected override bool TryExecuteTaskInline(Task task, bool taskWasPreviouslyQueued) => false;

    protected override IEnumerable<Task>? GetScheduledTasks() => null;

    /// <summary>A driver's steps run one at a time.</summary>
    public override int MaximumConcurrencyLevel => 1;
}
