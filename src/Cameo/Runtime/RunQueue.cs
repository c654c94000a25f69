namespace Cameo.Runtime;

/// <summary>
/// The first level of Cameo's scheduler: runnable actors ordered by the rank of their most urgent
/// message (ties in the order they became runnable). Idle workers wait here.
/// </summary>
/// <remarks>
/// An actor whose rank improves while queued is pushed again with a new version; the old entry
/// is skipped when it surfaces. <see cref="HeadRank"/> can be read without the lock, so a running
/// worker can ask after every message whether something more urgent waits.
/// </remarks>
internal sealed class RunQueue
{
    private readonly PriorityQueue<(Actor Actor, long Version), (long Rank, long Seq)> _heap = new();
    private readonly object _lock = new();
    private long _headRank = long.MaxValue;
    private long _seq;
    private int _waiting;
    private bool _closed;

    /// <summary>Rank of the most urgent waiting actor, or <see cref="long.MaxValue"/>.</summary>
    public long HeadRank => Volatile.Read(ref _headRank);

    public void Push(Actor actor, long version, long rank)
    {
        lock (_lock)
        {
            _heap.Enqueue((actor, version), (rank, _seq++));
            DropStaleHead();
            if (_waiting > 0) Monitor.Pulse(_lock);
        }
    }

    /// <summary>
    /// Puts <paramref name="actor"/> back and takes the most urgent actor, under one lock: what a
    /// worker does when something more urgent waits than the actor it ran. Never waits. Returns
    /// null if nothing is runnable, which happens when a sender re-queued the actor (with a newer
    /// version) in between, making this entry stale: that sender's push is on its way.
    /// </summary>
    public (Actor Actor, long Version)? Exchange(Actor actor, long version, long rank)
    {
        lock (_lock)
        {
            _heap.Enqueue((actor, version), (rank, _seq++));
            DropStaleHead();
            if (!_heap.TryDequeue(out var next, out _)) return null;
            DropStaleHead();
            if (_waiting > 0 && _heap.Count > 0) Monitor.Pulse(_lock);
            return next;
        }
    }

    /// <summary>Takes the most urgent actor; waits up to <paramref name="timeout"/> if none is runnable.</summary>
    public bool TryPop(TimeSpan timeout, out Actor actor, out long version)
    {
        lock (_lock)
        {
            while (true)
            {
                DropStaleHead();
                if (_heap.TryDequeue(out var entry, out _))
                {
                    DropStaleHead();
                    (actor, version) = entry;
                    return true;
                }
                if (_closed) break;
                _waiting++;
                bool signalled = Monitor.Wait(_lock, timeout);
                _waiting--;
                if (!signalled) break;
            }
            actor = null!;
            version = 0;
            return false;
        }
    }

    /// <summary>Wakes every waiting worker for good.</summary>
    public void Close()
    {
        lock (_lock)
        {
            _closed = true;
            Monitor.PulseAll(_lock);
        }
    }

    private void DropStaleHead()
    {
        while (_heap.TryPeek(out var head, out _) && head.Version != Volatile.Read(ref head.Actor.Version)) _heap.Dequeue();
        Volatile.Write(ref _headRank, _heap.TryPeek(out _, out var p) ? p.Rank : long.MaxValue);
    }
}
