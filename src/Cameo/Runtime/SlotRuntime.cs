using System.Diagnostics;
using Cameo.Messages;
using Cameo.Scheduling;

namespace Cameo.Runtime;

/// <summary>
/// The slot-based baseline: every operator instance gets a dedicated thread, as in Flink's task
/// slots, and the operating system decides which runs. Nothing here knows deadlines across
/// instances; the policy only orders each instance's own mailbox. Priority inversion is not
/// measured (<see cref="Metrics.PriorityInversion.None"/>): the operating system, not Cameo, decides
/// which thread runs, and a thread per instance leaves no shared worker to attribute waits to.
/// </summary>
public sealed class SlotRuntime(ISchedulingPolicy policy) : ActorRuntime(policy)
{
    private readonly List<Thread> _threads = [];
    private long _busyTicks;

    public override string Name => "slots";

    /// <summary>The cores the threads share: what utilization is measured against.</summary>
    public override int Workers => Environment.ProcessorCount;

    private protected override long BusyTicks => Volatile.Read(ref _busyTicks);

    private protected override void ResetBusyTicks() => Volatile.Write(ref _busyTicks, 0);

    private protected override void Launch(QueryRun run)
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

    private protected override void Enqueue(Actor actor, Message message, long rank)
    {
        lock (actor.Lock)
        {
            actor.Mailbox.Enqueue(message, rank);
            if (actor.Mailbox.Count == 1) Monitor.Pulse(actor.Lock);
        }
    }

    private void SlotLoop(Actor actor)
    {
        while (!Stopping)
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

    private protected override void OnStop(IReadOnlyList<QueryRun> queries)
    {
        foreach (var q in queries)
            foreach (var actor in q.Actors)
                if (actor is not null)
                    lock (actor.Lock) Monitor.PulseAll(actor.Lock); // wake idle slots so they see the stop
        foreach (var t in _threads) t.Join();
    }
}
