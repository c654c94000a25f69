using System.Diagnostics;
using Cameo.Dataflow;
using Cameo.Execution;
using Cameo.Messages;
using Cameo.Scheduling;

namespace Cameo.Runtime;

/// <summary>
/// The slot-based baseline: every operator instance gets a dedicated thread, as in Flink's task
/// slots, and the operating system decides which runs. Nothing here knows deadlines across
/// instances; the policy only orders each instance's own mailbox.
/// </summary>
public sealed class SlotRuntime(ISchedulingPolicy policy) : IQueryRuntime, IActorScheduler
{
    private readonly List<QueryRun> _queries = [];
    private readonly List<Thread> _threads = [];
    private long _busyTicks;
    private long _startedAt;
    private volatile bool _stopping;
    private bool _started;
    private long _seq;

    public string Name => "slots";

    public ISchedulingPolicy Policy => policy;

    /// <summary>The cores the threads share: what utilization is measured against.</summary>
    public int Workers => Environment.ProcessorCount;

    public double Utilization
    {
        get
        {
            long elapsed = Stopwatch.GetTimestamp() - Volatile.Read(ref _startedAt);
            return !_started || elapsed <= 0 ? 0 : Math.Min(1.0, Volatile.Read(ref _busyTicks) / (double)(elapsed * Workers));
        }
    }

    public void ResetUtilization()
    {
        Volatile.Write(ref _busyTicks, 0);
        Volatile.Write(ref _startedAt, Stopwatch.GetTimestamp());
    }

    public IDeployedQuery Deploy(QueryContext context, PhysicalPlan plan, DeployOptions options)
    {
        var run = new QueryRun(this, context, plan, options);
        lock (_queries)
        {
            _queries.Add(run);
            if (_started) Launch(run);
        }
        return run;
    }

    public void Start()
    {
        lock (_queries)
        {
            if (_started) return;
            _started = true;
            _startedAt = Stopwatch.GetTimestamp();
            foreach (var q in _queries) Launch(q);
        }
    }

    private void Launch(QueryRun run)
    {
        foreach (var actor in run.Actors)
        {
            if (actor is null) continue;
            var t = new Thread(() => SlotLoop(actor)) { IsBackground = true, Name = $"cameo-slot-{actor}" };
            _threads.Add(t);
            t.Start();
        }
        run.StartSources();
    }

    void IActorScheduler.Enqueue(Actor actor, Message message, long rank)
    {
        long seq = Interlocked.Increment(ref _seq);
        lock (actor.Lock)
        {
            actor.Mailbox.Enqueue(message, rank, seq);
            if (actor.Mailbox.Count == 1) Monitor.Pulse(actor.Lock);
        }
    }

    private void SlotLoop(Actor actor)
    {
        while (!_stopping)
        {
            Message message;
            lock (actor.Lock)
            {
                if (actor.Mailbox.Count == 0)
                {
                    Monitor.Wait(actor.Lock, 100);
                    continue;
                }
                message = actor.Mailbox.Dequeue();
            }
            long start = Stopwatch.GetTimestamp();
            actor.Query.Execute(actor, message);
            Interlocked.Add(ref _busyTicks, Stopwatch.GetTimestamp() - start);
        }
    }

    public async Task StopAsync(TimeSpan drain)
    {
        QueryRun[] queries;
        lock (_queries) queries = [.. _queries];
        foreach (var q in queries) q.Stop();
        if (_started) await Task.WhenAny(Task.WhenAll(queries.Select(q => q.Completion)), Task.Delay(drain)).ConfigureAwait(false);
        _stopping = true;
        foreach (var q in queries)
            foreach (var actor in q.Actors)
                if (actor is not null)
                    lock (actor.Lock) Monitor.PulseAll(actor.Lock); // wake idle slots so they see the stop
        foreach (var t in _threads) t.Join();
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stopping) await StopAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
    }
}
