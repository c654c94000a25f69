using System.Diagnostics;

namespace Cameo.Orleans.Scheduling;

/// <summary>
/// The first level of Cameo's scheduler inside one silo: a fixed number of turns (one per core by
/// default) handed to instance grains by the rank of their most urgent message. A grain's pump
/// asks for a turn before processing and gives it back after; its own mailbox is the second level.
/// A few extra turns serve short messages far more urgent than everything the holders process
/// (see <see cref="Request"/>), since a turn cannot be taken back mid-message.
/// </summary>
/// <remarks>
/// Orleans runs grains on the shared thread pool and offers no scheduler hook, so this only decides
/// which grain may start its next message. A turn freed while others wait is handed out by a work
/// item on the global thread-pool queue (<c>preferLocal: false</c>), never inline on the releasing
/// thread: granting inline chains grain turns through the releasing thread's local LIFO queue and
/// starves the global queue where Orleans' own networking waits, which was measured to grow tails
/// from a few ms to hundreds. A request made while a turn is free and nobody waits is granted at once.
/// </remarks>
public sealed class TurnScheduler : IThreadPoolWorkItem
{
    private readonly PriorityQueue<TurnRequest, (long Rank, long Seq)> _waiting = new();
    private readonly List<TurnRequest> _held = [];
    private readonly object _lock = new();
    private readonly long _urgentSlack;
    private readonly long _urgentCost;
    private long _seq;
    private int _free;
    private int _urgentFree;
    private bool _dispatchQueued;
    private long _headRank = long.MaxValue;
    private long _busyTicks;
    private long _since = Stopwatch.GetTimestamp();

    /// <param name="turns">Turns for any message: one per core.</param>
    /// <param name="urgentTurns">Extra turns for short, clearly more urgent messages (see <see cref="Request"/>).</param>
    /// <param name="urgentSlack">How much more urgent (in rank units) than every turn holder a message must be to take an extra turn.</param>
    /// <param name="urgentCost">Expected processing time (ticks) below which a message may always take an extra turn; a longer one may if at most half as long as every holder's.</param>
    public TurnScheduler(int turns, int urgentTurns = 0, long urgentSlack = 0, long urgentCost = 0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(turns, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(urgentTurns);
        Turns = turns;
        UrgentTurns = urgentTurns;
        _free = turns;
        _urgentFree = urgentTurns;
        _urgentSlack = urgentSlack;
        _urgentCost = urgentCost;
    }

    public int Turns { get; }

    public int UrgentTurns { get; }

    /// <summary>Turns not held right now (a snapshot, for diagnostics).</summary>
    public int FreeTurns { get { lock (_lock) return _free; } }

    /// <summary>Rank of the most urgent waiting request, or <see cref="long.MaxValue"/>; read without the lock.</summary>
    public long HeadRank => Volatile.Read(ref _headRank);

    /// <summary>Fraction of turn time held since start or <see cref="ResetUtilization"/>.</summary>
    public double Utilization
    {
        get
        {
            long elapsed = Stopwatch.GetTimestamp() - Volatile.Read(ref _since);
            return elapsed <= 0 ? 0 : Math.Min(1.0, Volatile.Read(ref _busyTicks) / (double)(elapsed * Turns));
        }
    }

    public void ResetUtilization()
    {
        Volatile.Write(ref _busyTicks, 0);
        Volatile.Write(ref _since, Stopwatch.GetTimestamp());
    }

    /// <summary>Asks for a turn at <paramref name="rank"/> (smaller is more urgent).</summary>
    /// <param name="rank">The rank of the grain's most urgent message.</param>
    /// <param name="cost">The grain's expected processing time per message, in ticks.</param>
    /// <remarks>
    /// A message clearly more urgent than what every turn holder is processing takes one of the
    /// extra urgent turns, if one is free, instead of waiting for a holder to finish its message,
    /// provided it is short: below the urgent cost, or at most half as long as every holder's
    /// messages. Messages are never interrupted, so without this an urgent message waits for the
    /// residue of a bulk message (a millisecond or more) at every hop, and for a whole window or
    /// join firing (tens of milliseconds) under overload. With it the OS shares the cores while
    /// the short message runs: a bounded preemption, since a message no shorter than the ones it
    /// would overtake waits its turn.
    /// </remarks>
    public TurnRequest Request(long rank, long cost = long.MaxValue)
    {
        var request = new TurnRequest(rank, cost);
        lock (_lock)
        {
            if (_free > 0 && _waiting.Count == 0)
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
            _waiting.Enqueue(request, (rank, _seq++));
            UpdateHead();
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
            request.Rank = rank; // the older queue entry is now stale and skipped when it surfaces
            _waiting.Enqueue(request, (rank, _seq++));
            UpdateHead();
        }
    }

    /// <summary>Gives back the turn <paramref name="request"/> held.</summary>
    public void Release(TurnRequest request)
    {
        if (!request.Urgent) Interlocked.Add(ref _busyTicks, Stopwatch.GetTimestamp() - request.GrantedAt);
        lock (_lock)
        {
            _held.Remove(request);
            if (request.Urgent) _urgentFree++;
            else _free++;
            if (_waiting.Count == 0 || _dispatchQueued) return;
            _dispatchQueued = true;
        }
        ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
    }

    /// <summary>Runs on the thread pool: grants free turns to the best waiters.</summary>
    void IThreadPoolWorkItem.Execute()
    {
        lock (_lock)
        {
            _dispatchQueued = false;
            while (_free > 0 && TryTakeBest(out var best))
            {
                _free--;
                GrantLocked(best, urgent: false);
            }
            UpdateHead();
            while (_urgentFree > 0 && _waiting.TryPeek(out var head, out _) && MayOvertakeHolders(head.Rank, head.Cost))
            {
                _waiting.Dequeue();
                _urgentFree--;
                GrantLocked(head, urgent: true);
                UpdateHead();
            }
            UpdateHead();
        }
    }

    private void GrantLocked(TurnRequest request, bool urgent)
    {
        _held.Add(request);
        request.Grant(urgent);
    }

    /// <summary>
    /// Whether a message at <paramref name="rank"/> costing <paramref name="cost"/> may take an extra
    /// turn: it beats what every holder of a turn is processing by more than the slack, and it is
    /// short, absolutely or next to every holder's messages.
    /// </summary>
    private bool MayOvertakeHolders(long rank, long cost)
    {
        foreach (var holder in _held)
        {
            if (holder.Urgent) continue;
            if (rank >= holder.Current - _urgentSlack) return false;
            if (cost > _urgentCost && cost > holder.Cost / 2) return false;
        }
        return true;
    }

    private bool TryTakeBest(out TurnRequest best)
    {
        while (_waiting.TryDequeue(out best!, out var priority))
            if (!best.IsGranted && best.Rank == priority.Rank) return true; // else stale (raised since)
        return false;
    }

    private void UpdateHead()
    {
        while (_waiting.TryPeek(out var head, out var p) && (head.IsGranted || head.Rank != p.Rank)) _waiting.Dequeue();
        Volatile.Write(ref _headRank, _waiting.TryPeek(out _, out var best) ? best.Rank : long.MaxValue);
    }
}

/// <summary>One grain's request for a turn; <see cref="Granted"/> completes when it has one.</summary>
public sealed class TurnRequest
{
    // Continuations run asynchronously: the grant happens under the scheduler's lock, and the
    // awaiting pump resumes on its grain's own scheduler anyway.
    private readonly TaskCompletionSource _granted = new(TaskCreationOptions.RunContinuationsAsynchronously);

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

    private long _current;

    /// <summary>Rank of the message its holder is processing: the holder updates it as it goes.</summary>
    public long Current
    {
        get => Volatile.Read(ref _current);
        set => Volatile.Write(ref _current, value);
    }

    internal long GrantedAt { get; private set; }

    public Task Granted => _granted.Task;

    internal void Grant(bool urgent)
    {
        IsGranted = true;
        Urgent = urgent;
        Current = Rank;
        GrantedAt = Stopwatch.GetTimestamp();
        _granted.SetResult();
    }
}
