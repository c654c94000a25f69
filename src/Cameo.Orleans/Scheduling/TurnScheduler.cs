using System.Diagnostics;

namespace Cameo.Orleans.Scheduling;

/// <summary>
/// The first level of Cameo's scheduler inside one silo: a fixed number of turns (one per core by
/// default) handed to instance grains by the rank of their most urgent message. A grain's pump
/// asks for a turn before processing and gives it back after; its own mailbox is the second level.
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
    private readonly object _lock = new();
    private long _seq;
    private int _free;
    private bool _dispatchQueued;
    private long _headRank = long.MaxValue;
    private long _busyTicks;
    private long _since = Stopwatch.GetTimestamp();

    public TurnScheduler(int turns)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(turns, 1);
        Turns = turns;
        _free = turns;
    }

    public int Turns { get; }

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
    public TurnRequest Request(long rank)
    {
        var request = new TurnRequest(rank);
        lock (_lock)
        {
            if (_free > 0 && _waiting.Count == 0)
            {
                _free--;
                request.Grant();
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
        Interlocked.Add(ref _busyTicks, Stopwatch.GetTimestamp() - request.GrantedAt);
        lock (_lock)
        {
            _free++;
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
                best.Grant();
            }
            UpdateHead();
        }
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

    internal TurnRequest(long rank) => Rank = rank;

    /// <summary>The rank it waits at (guarded by the scheduler's lock).</summary>
    public long Rank { get; internal set; }

    public bool IsGranted { get; private set; }

    internal long GrantedAt { get; private set; }

    public Task Granted => _granted.Task;

    internal void Grant()
    {
        IsGranted = true;
        GrantedAt = Stopwatch.GetTimestamp();
        _granted.SetResult();
    }
}
