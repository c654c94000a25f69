using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using Cameo.Messages;
using Cameo.Scheduling;
using Cameo.Scheduling.Core;

namespace Cameo.Runtime;

/// <summary>
/// The in-process runtime: a small pool of worker threads shared by every query, running whichever
/// actor has the most urgent message (Cameo's two-level scheduler: a <see cref="ReadyQueue{T}"/> of
/// actors, a <see cref="PriorityMailbox"/> inside each).
/// </summary>
/// <remarks>
/// There is no preemption inside a message. After each message a worker asks the
/// <see cref="TurnRule"/> (no rank slack) whether the actor keeps it: it yields the actor if
/// something strictly more urgent waits, or once the actor has held the worker for a quantum.
/// Priority inversion is measured on the workers (<see cref="PriorityInversionMeter"/>).
/// </remarks>
public sealed class EmbeddedRuntime : ActorRuntime
{
    private readonly ReadyQueue<Actor> _ready = new();
    private readonly List<Thread> _workers = [];
    private readonly TurnRule _rule;
    private readonly long[] _busyTicks;
    private readonly PriorityInversionMeter _inversion;

    public EmbeddedRuntime(ISchedulingPolicy policy, int workers, TimeSpan quantum) : base(policy)
    {
        Workers = workers;
        _rule = new TurnRule(quantum);
        _busyTicks = new long[workers];
        _inversion = new PriorityInversionMeter(workers, Stopwatch.Frequency);
    }

    public override int Workers { get; }

    public override string Name => "embedded";

    private protected override PriorityInversionMeter Inversion => _inversion;

    /// <summary>Sources read on the workers, in deadline order with everything else (<see cref="SourceTurns"/>).</summary>
    private protected override bool RunsSources => true;

    private protected override long BusyTicks
    {
        get
        {
            long busy = 0;
            for (int i = 0; i < _busyTicks.Length; i++) busy += Volatile.Read(ref _busyTicks[i]);
            return busy;
        }
    }

    /// <summary>Time worker <paramref name="worker"/> spent processing messages since the start or the last reset.</summary>
    public TimeSpan WorkerBusyTime(int worker) => Stopwatch.GetElapsedTime(0, Volatile.Read(ref _busyTicks[worker]));

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

    /// <summary>Puts a message in an actor's mailbox and, if the actor was idle or now has a more urgent message, in the ready queue.</summary>
    private protected override void Enqueue(Actor actor, Message message, long rank)
    {
        long version = 0, best = 0;
        bool push = false;
        long now = Stopwatch.GetTimestamp();
        lock (actor.Lock)
        {
            actor.Mailbox.Enqueue(message, rank, now); // ties need ordering only within this mailbox, so no process-wide counter
            if (actor.Status == Actor.State.Idle || (actor.Status == Actor.State.Queued && rank < actor.QueuedRank))
            {
                actor.Status = Actor.State.Queued;
                best = actor.Mailbox.BestRank;
                actor.QueuedRank = best;
                version = ++actor.Version;
                push = true;
            }
        }
        if (push) _ready.Push(actor, version, best);
    }

    /// <summary>Lends an actor a rank; an actor waiting in the ready queue moves to its new best rank (its older entry turns stale).</summary>
    private protected override void Inherit(Actor actor, long rank)
    {
        long version, best;
        lock (actor.Lock)
        {
            actor.Mailbox.InheritedRank = rank;
            if (actor.Status != Actor.State.Queued || (best = actor.Mailbox.BestRank) == actor.QueuedRank) return;
            actor.QueuedRank = best;
            version = ++actor.Version;
        }
        _ready.Push(actor, version, best);
    }

    private void WorkerLoop(int id)
    {
        while (!Stopping)
        {
            long now = Stopwatch.GetTimestamp(), due = Pacer.NextDue;
            if (due <= now) Pacer.ReleaseDue();
            if (!_ready.TryPop(IdleWait(due - now), out var actor, out long version)) continue;
            RunFrom(id, actor, version);
        }
    }

    /// <summary>How long an idle worker waits for work: until the next paced source is due (at least 1 ms, at most 100 ms).</summary>
    private static TimeSpan IdleWait(long ticksToDue) =>
        TimeSpan.FromMilliseconds(Math.Clamp(Math.Ceiling(ticksToDue * 1000.0 / Stopwatch.Frequency), 1, 100));

    /// <summary>Runs turns on worker <paramref name="id"/>, from the given ready-queue entry on, for as long as each turn hands over to another.</summary>
    private void RunFrom(int id, Actor actor, long version)
    {
        while (Claim(actor, version, out var first, out long rank, out long served, out long enqueuedAt))
        {
            long turnStart = Stopwatch.GetTimestamp();
            var next = RunTurn(id, actor, first, rank, served, enqueuedAt, turnStart, out long turnEnd);
            _busyTicks[id] += turnEnd - turnStart;
            if (next is null) break;
            (actor, version) = next.Value;
        }
    }

    /// <summary>
    /// Takes a ready-queue entry for this worker, with the actor's most urgent message, unless the
    /// entry is stale (the actor was queued again, or already runs).
    /// </summary>
    private static bool Claim(Actor actor, long version, [NotNullWhen(true)] out Message? first, out long rank, out long served, out long enqueuedAt)
    {
        lock (actor.Lock)
        {
            first = null;
            rank = served = enqueuedAt = 0;
            if (actor.Status != Actor.State.Queued || actor.Version != version) return false;
            actor.Status = Actor.State.Running;
            served = actor.Mailbox.BestRank;
            first = actor.Mailbox.Dequeue(out rank, out enqueuedAt);
            return true;
        }
    }

    /// <summary>
    /// Runs an actor's messages until its mailbox is empty or the <see cref="TurnRule"/> ends its
    /// turn (something more urgent waits, or its quantum is used). In the latter case the actor goes
    /// back in the ready queue and the most urgent entry is returned, to run next on this worker.
    /// </summary>
    private (Actor Actor, long Version)? RunTurn(int id, Actor actor, Message first, long rank, long served, long enqueuedAt, long turnStart, out long now)
    {
        var query = actor.Query;
        var message = first;
        now = turnStart;
        while (true)
        {
            _inversion.Started(id, rank, served, Math.Max(enqueuedAt, actor.LastFinished), now);
            query.Execute(actor, message);
            now = actor.LastFinished = Stopwatch.GetTimestamp();
            _inversion.Finished(id, now);
            if (Pacer.NextDue <= now) Pacer.ReleaseDue(); // a due source queues its read now, so the turn rule below weighs it

            long version, best;
            lock (actor.Lock) // one lock per message: decide, and take the next message if the actor goes on
            {
                if (actor.Mailbox.Count == 0)
                {
                    actor.Status = Actor.State.Idle;
                    return null;
                }
                best = actor.Mailbox.BestRank;
                if (_rule.KeepsTurn(best, _ready.HeadRank, turnStart, now))
                {
                    served = best;
                    message = actor.Mailbox.Dequeue(out rank, out enqueuedAt);
                    continue;
                }
                actor.Status = Actor.State.Queued;
                actor.QueuedRank = best;
                version = ++actor.Version;
            }
            return _ready.Exchange(actor, version, best);
        }
    }

    private protected override void OnStop(IReadOnlyList<QueryRun> queries)
    {
        _ready.Close();
        foreach (var t in _workers) t.Join();
    }

    /// <summary>
    /// Runs queued actors on the calling thread until no actor is runnable. For deterministic tests
    /// of scheduling order: deploy without <see cref="ActorRuntime.Start"/>, enqueue, then call this.
    /// </summary>
    internal void RunUntilIdle()
    {
        while (_ready.TryPop(out var actor, out long version)) RunFrom(0, actor, version);
    }
}
