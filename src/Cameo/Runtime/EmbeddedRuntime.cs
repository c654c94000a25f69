using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using Cameo.Dataflow;
using Cameo.Execution;
using Cameo.Messages;
using Cameo.Scheduling;

namespace Cameo.Runtime;

/// <summary>
/// The in-process runtime: a small pool of worker threads shared by every query, running whichever
/// actor has the most urgent message (Cameo's two-level scheduler: <see cref="RunQueue"/> over
/// actors, <see cref="Mailbox"/> inside each).
/// </summary>
/// <remarks>
/// There is no preemption inside a message. After each message a worker looks at the head of the
/// run queue and yields the actor if something more urgent waits, or once the actor has held the
/// worker for a quantum.
/// </remarks>
public sealed class EmbeddedRuntime : ActorRuntime
{
    private readonly RunQueue _runQueue = new();
    private readonly List<Thread> _workers = [];
    private readonly long _quantumTicks;
    private readonly long[] _busyTicks;

    public EmbeddedRuntime(ISchedulingPolicy policy, int workers, TimeSpan quantum) : base(policy)
    {
        Workers = workers;
        _quantumTicks = (long)(quantum.TotalSeconds * Stopwatch.Frequency);
        _busyTicks = new long[workers];
    }

    public override int Workers { get; }

    public override string Name => "embedded";

    private protected override long BusyTicks
    {
        get
        {
            long busy = 0;
            for (int i = 0; i < _busyTicks.Length; i++) busy += Volatile.Read(ref _busyTicks[i]);
            return busy;
        }
    }

    private protected override void ResetBusyTicks()
    {
        for (int i = 0; i < _busyTicks.Length; i++) Volatile.Write(ref _busyTicks[i], 0);
    }

    private protected override void OnStart()
    {
        for (int i = 0; i < Workers; i++)
        {
            int id = i;
            var t = new Thread(() => WorkerLoop(id)) { IsBackground = true, Name = $"cameo-worker-{i}" };
            _workers.Add(t);
            t.Start();
        }
    }

    /// <summary>Puts a message in an actor's mailbox and, if the actor was idle or now has a more urgent message, in the run queue.</summary>
    private protected override void Enqueue(Actor actor, Message message, long rank)
    {
        long version = 0, best = 0;
        bool push = false;
        lock (actor.Lock)
        {
            actor.Mailbox.Enqueue(message, rank); // ties need ordering only within this mailbox, so no process-wide counter
            if (actor.Status == Actor.State.Idle || (actor.Status == Actor.State.Queued && rank < actor.QueuedRank))
            {
                actor.Status = Actor.State.Queued;
                best = actor.Mailbox.BestRank;
                actor.QueuedRank = best;
                version = ++actor.Version;
                push = true;
            }
        }
        if (push) _runQueue.Push(actor, version, best);
    }

    private void WorkerLoop(int id)
    {
        while (!Stopping)
        {
            if (!_runQueue.TryPop(TimeSpan.FromMilliseconds(100), out var actor, out long version)) continue;
            while (Claim(actor, version, out var first))
            {
                long turnStart = Stopwatch.GetTimestamp();
                var next = RunTurn(actor, first, turnStart);
                _busyTicks[id] += Stopwatch.GetTimestamp() - turnStart;
                if (next is null) break;
                (actor, version) = next.Value;
            }
        }
    }

    /// <summary>
    /// Takes a run-queue entry for this worker, with the actor's most urgent message, unless the
    /// entry is stale (the actor was queued again, or already runs).
    /// </summary>
    private static bool Claim(Actor actor, long version, [NotNullWhen(true)] out Message? first)
    {
        lock (actor.Lock)
        {
            first = null;
            if (actor.Status != Actor.State.Queued || actor.Version != version) return false;
            actor.Status = Actor.State.Running;
            first = actor.Mailbox.Dequeue();
            return true;
        }
    }

    /// <summary>
    /// Runs an actor's messages until its mailbox is empty, something more urgent waits, or its
    /// quantum is used. In the last two cases the actor goes back in the run queue and the most
    /// urgent entry is returned, to run next on this worker.
    /// </summary>
    private (Actor Actor, long Version)? RunTurn(Actor actor, Message first, long turnStart)
    {
        var query = actor.Query;
        var message = first;
        while (true)
        {
            query.Execute(actor, message);

            long version, best;
            lock (actor.Lock) // one lock per message: decide, and take the next message if the actor goes on
            {
                if (actor.Mailbox.Count == 0)
                {
                    actor.Status = Actor.State.Idle;
                    return null;
                }
                best = actor.Mailbox.BestRank;
                bool beaten = _runQueue.HeadRank < best;
                if (!beaten && Stopwatch.GetTimestamp() - turnStart < _quantumTicks)
                {
                    message = actor.Mailbox.Dequeue();
                    continue;
                }
                actor.Status = Actor.State.Queued;
                actor.QueuedRank = best;
                version = ++actor.Version;
            }
            return _runQueue.Exchange(actor, version, best);
        }
    }

    private protected override void OnStop(IReadOnlyList<QueryRun> queries)
    {
        _runQueue.Close();
        foreach (var t in _workers) t.Join();
    }

    /// <summary>
    /// Runs queued actors on the calling thread until no actor is runnable. For deterministic tests
    /// of scheduling order: deploy without <see cref="ActorRuntime.Start"/>, enqueue, then call this.
    /// </summary>
    internal void RunUntilIdle()
    {
        while (_runQueue.TryPop(TimeSpan.Zero, out var actor, out long version))
            while (Claim(actor, version, out var first))
            {
                if (RunTurn(actor, first, Stopwatch.GetTimestamp()) is not { } next) break;
                (actor, version) = next;
            }
    }
}
