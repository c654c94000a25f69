using System.Diagnostics;
using Cameo.Scheduling.Core;

namespace Cameo.Orleans.Scheduling;

/// <summary>
/// The first level of Cameo's scheduler inside one silo: a fixed number of turns (one per core by
/// default) handed to instance grains by the rank of their most urgent message, through the
/// engine's <see cref="ReadyQueue{T}"/>. A grain's pump asks for a turn before processing, keeps it
/// while the shared <see cref="TurnRule"/> says so, and gives it back; its own mailbox is the
/// second level. A few extra turns serve short messages far more urgent than everything the
/// holders process (see <see cref="Request"/>), since a turn cannot be taken back mid-message.
/// </summary>
/// <remarks>
/// Orleans runs grains on the shared thread pool and offers no scheduler hook, so this only decides
/// which grain may start its next message. A turn freed while others wait is handed out by a work
/// item on the global thread-pool queue (<c>preferLocal: false</c>), never inline on the releasing
/// thread: granting inline chains grain turns through the releasing thread's local LIFO queue and
/// starves the global queue where Orleans' own networking waits. A request made while a turn is free
/// and nobody waits is granted at once. Priority inversion is measured per turn (each turn, extra
/// ones included, is a worker of <see cref="Inversion"/>).
/// </remarks>
public sealed class TurnScheduler : IThreadPoolWorkItem
{
    private readonly ReadyQueue<TurnRequest> _waiting = new();
    private readonly List<TurnRequest> _held = [];
    private readonly Stack<int> _freeSlots = new();
    private readonly object _lock = new();
    private readonly long _urgentCost;
    private int _free;
    private int _urgentFree;
    private bool _dispatchQueued;
    private long _busyTicks;
    private long _since = Stopwatch.GetTimestamp();

    /// <param name="turns">Turns for any message: one per core.</param>
    /// <param name="urgentTurns">Extra turns for short, clearly more urgent messages (see <see cref="Request"/>).</param>
    /// <param name="rule">When a turn holder yields; its rank slack is also how much more urgent than every holder a message must be to take an extra turn.</param>
    /// <param name="urgentCost">Expected processing time (ticks) below which a message may always take an extra turn; a longer one may if at most half as long as every holder's.</param>
    public TurnScheduler(int turns, int urgentTurns, TurnRule rule, long urgentCost = 0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(turns, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(urgentTurns);
        Turns = turns;
        UrgentTurns = urgentTurns;
        Rule = rule;
        _free = turns;
        _urgentFree = urgentTurns;
        _urgentCost = urgentCost;
        for (int slot = turns + urgentTurns - 1; slot >= 0; slot--) _freeSlots.Push(slot);
        Inversion = new PriorityInversionMeter(turns + urgentTurns, Stopwatch.Frequency);
    }

    public int Turns { get; }

    public int UrgentTurns { get; }

    /// <summary>When a turn holder keeps its turn (asked by the pumps after each message).</summary>
    public TurnRule Rule { get; }

    /// <summary>Priority inversion on this scheduler's turns; a turn holder reports each message's start and end at its <see cref="TurnRequest.Slot"/>.</summary>
    public PriorityInversionMeter Inversion { get; }

    /// <summary>Turns not held right now (a snapshot, for diagnostics).</summary>
    public int FreeTurns { get { lock (_lock) return _free; } }

    /// <summary>Rank of the most urgent waiting request, or <see cref="long.MaxValue"/>; read without the lock.</summary>
    public long HeadRank => _waiting.HeadRank;

    /// <summary>Fraction of turn time held since start or <see cref="ResetUtilization"/>.</summary>
    public double Utilization
    {
        get
        {
            long elapsed = Stopwatch.GetTimestamp() - Volatile.Read(ref _since);
            return elapsed <= 0 ? 0 : Math.Min(1.0, Volatile.Read(ref _busyTicks) / (double)(elapsed * Turns));
        }
    }

    /// <summary>Turn time held (urgent turns aside) since start or <see cref="ResetUtilization"/>.</summary>
    public TimeSpan BusyTime => Stopwatch.GetElapsedTime(0, Volatile.Read(ref _busyTicks));

    /// <summary>Restarts utilization and priority inversion measurements.</summary>
    public void ResetUtilization()
    {
        Volatile.Write(ref _busyTicks, 0);
        Volatile.Write(ref _since, Stopwatch.GetTimestamp());
        Inversion.Reset();
    }

    /// <summary>Asks for a turn at <paramref name="rank"/> (smaller is more urgent).</summary>
    /// <param name="rank">The rank of the grain's most urgent message.</param>
    /// <param name="cost">The grain's expected processing time per message, in ticks.</param>
    /// <remarks>
    /// A message that outranks (by the <see cref="Rule"/>) what every turn holder is processing
    /// takes one of the extra urgent turns, if one is free, instead of waiting for a holder to
    /// finish its message, provided it is short: below the urgent cost, or at most half as long as
    /// every holder's messages. Messages are never interrupted, so without this an urgent message
    /// waits for the residue of a bulk message at every hop, and for a whole window or join firing
    /// under overload. With it the OS shares the cores while the short message runs: a bounded
    /// preemption, since a message no shorter than the ones it would overtake waits its turn.
    /// </remarks>
    public TurnRequest Request(long rank, long cost = long.MaxValue)
    {
        var request = new TurnRequest(rank, cost);
        lock (_lock)
        {
            if (_free > 0 && _waiting.IsEmpty)
            {
                _free--;
                GrantLocked(request, urgent: false);
                return request;
            }
            if (_urgentFree > 0 && MayOvertakeHolders(rank, cost))
            {
                _urgentFree--;
                GrantLocked(request, urgent: true);
                return request;
            }
            _waiting.Push(request, request.Version, rank);
            if (_free == 0 || _dispatchQueued) return request;
            _dispatchQueued = true; // a turn is free but others wait too: let the dispatcher pick the best
        }
        ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
        return request;
    }

    /// <summary>A waiting request's grain got a more urgent message: move it up.</summary>
    public void Raise(TurnRequest request, long rank)
    {
        lock (_lock)
        {
            if (request.IsGranted || rank >= request.Rank) return;
            request.Rank = rank;
            _waiting.Push(request, ++request.Version, rank); // the older entry is now stale and skipped when it surfaces
        }
    }

    /// <summary>Gives back the turn <paramref name="request"/> held.</summary>
    public void Release(TurnRequest request)
    {
        if (!request.Urgent) Interlocked.Add(ref _busyTicks, Stopwatch.GetTimestamp() - request.GrantedAt);
        lock (_lock)
        {
            _held.Remove(request);
            _freeSlots.Push(request.Slot);
            if (request.Urgent) _urgentFree++;
            else _free++;
            if (_waiting.IsEmpty || _dispatchQueued) return;
            _dispatchQueued = true;
        }
        ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
    }

    /// <summary>Runs on the thread pool: grants free turns to the best waiters, then extra turns to urgent ones.</summary>
    void IThreadPoolWorkItem.Execute()
    {
        lock (_lock)
        {
            _dispatchQueued = false;
            while (_free > 0 && _waiting.TryPop(out var best, out _))
            {
                _free--;
                GrantLocked(best, urgent: false);
            }
            while (_urgentFree > 0 && _waiting.TryPeek(out var head, out _, out long rank) && MayOvertakeHolders(rank, head.Cost))
            {
                _waiting.TryPop(out _, out _);
                _urgentFree--;
                GrantLocked(head, urgent: true);
            }
        }
    }

    private void GrantLocked(TurnRequest request, bool urgent)
    {
        _held.Add(request);
        request.Grant(urgent, _freeSlots.Pop());
    }

    /// <summary>
    /// Whether a message at <paramref name="rank"/> costing <paramref name="cost"/> may take an extra
    /// turn: by the <see cref="Rule"/> it outranks what every holder of a turn is processing, and it
    /// is short, absolutely or next to every holder's messages.
    /// </summary>
    private bool MayOvertakeHolders(long rank, long cost)
    {
        foreach (var holder in _held)
        {
            if (holder.Urgent) continue;
            if (!Rule.IsOutranked(holder.Current, rank)) return false;
            if (cost > _urgentCost && cost > holder.Cost / 2) return false;
        }
        return true;
    }
}

/// <summary>One grain's request for a turn; <see cref="Granted"/> completes when it has one.</summary>
public sealed class TurnRequest : IReadyItem
{
    // Continuations run asynchronously: the grant happens under the scheduler's lock, and the
    // awaiting pump resumes on its grain's own scheduler anyway.
    private readonly TaskCompletionSource _granted = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _current;
    private long _version;

    internal TurnRequest(long rank, long cost)
    {
        Rank = rank;
        Cost = cost;
    }

    /// <summary>The requesting grain's expected processing time per message, in ticks.</summary>
    public long Cost { get; }

    /// <summary>The rank it waits at (guarded by the scheduler's lock).</summary>
    public long Rank { get; internal set; }

    public bool IsGranted { get; private set; }

    /// <summary>Whether it holds one of the extra turns for urgent messages.</summary>
    public bool Urgent { get; private set; }

    /// <summary>Which turn it holds (0 .. turns + urgent turns - 1): its worker number for <see cref="TurnScheduler.Inversion"/>.</summary>
    public int Slot { get; private set; }

    /// <summary>Rank of the message its holder is processing: the holder updates it as it goes.</summary>
    public long Current
    {
        get => Volatile.Read(ref _current);
        set => Volatile.Write(ref _current, value);
    }

    /// <summary>Version of its entry in the scheduler's ready queue (bumped under the scheduler's lock on each raise and on the grant).</summary>
    internal long Version
    {
        get => Volatile.Read(ref _version);
        set => Volatile.Write(ref _version, value);
    }

    long IReadyItem.ReadyVersion => Version;

    internal long GrantedAt { get; private set; }

    public Task Granted => _granted.Task;

    internal void Grant(bool urgent, int slot)
    {
        Version++; // any entry still queued for it is stale now
        IsGranted = true;
        Urgent = urgent;
        Slot = slot;
        Current = Rank;
        GrantedAt = Stopwatch.GetTimestamp();
        _granted.SetResult();
    }
}
