namespace Cameo.Scheduling.Core;

/// <summary>
/// The first level of Cameo's scheduler: runnable items ordered by rank (smaller is more urgent),
/// ties in the order they entered. Thread-safe; idle workers may wait here for an item.
/// </summary>
/// <remarks>
/// <para><b>Lazy removal.</b> An item whose rank changes while it waits is pushed again with a new
/// version (see <see cref="IReadyItem"/>); its older entries stay in the heap and are dropped when
/// they reach the head. So a raise is one O(log n) push, and nothing ever searches the heap.</para>
/// <para><b>Published head.</b> <see cref="HeadRank"/> is the rank of the most urgent live entry,
/// readable without the lock: a worker running an instance asks it after every message whether
/// something more urgent waits (see <see cref="TurnRule"/>). An entry made stale by a version bump
/// outside the lock may keep <see cref="HeadRank"/> a little too urgent until the next operation;
/// the push that follows every such bump settles it.</para>
/// </remarks>
/// <typeparam name="T">The items; each is identified by reference and carries its current version.</typeparam>
public sealed class ReadyQueue<T> where T : class, IReadyItem
{
    private readonly PriorityQueue<(T Item, long Version), (long Rank, long Seq)> _heap = new();
    private readonly object _lock = new();
    private long _headRank = long.MaxValue;
    private long _seq;
    private int _waiting;
    private bool _closed;

    /// <summary>Rank of the most urgent waiting item, or <see cref="long.MaxValue"/> if none; read without the lock.</summary>
    public long HeadRank => Volatile.Read(ref _headRank);

    /// <summary>Whether no live entry waits (a snapshot).</summary>
    public bool IsEmpty
    {
        get { lock (_lock) return _heap.Count == 0; }
    }

    /// <summary>Adds <paramref name="item"/> at <paramref name="rank"/>, as its entry <paramref name="version"/>, and wakes a waiting worker.</summary>
    public void Push(T item, long version, long rank)
    {
        lock (_lock)
        {
            _heap.Enqueue((item, version), (rank, _seq++));
            DropStaleHead();
            if (_waiting > 0) Monitor.Pulse(_lock);
        }
    }

    /// <summary>
    /// Puts <paramref name="item"/> back at <paramref name="rank"/> and takes the most urgent item,
    /// under one lock: what a worker does when its turn ends while the item still has work. Never
    /// waits. Returns null if nothing is runnable, which happens when the item was queued again
    /// with a newer version in between, making this entry stale: that push is on its way.
    /// </summary>
    public (T Item, long Version)? Exchange(T item, long version, long rank)
    {
        lock (_lock)
        {
            _heap.Enqueue((item, version), (rank, _seq++));
            DropStaleHead();
            if (!_heap.TryDequeue(out var next, out _)) return null;
            DropStaleHead();
            if (_waiting > 0 && _heap.Count > 0) Monitor.Pulse(_lock);
            return next;
        }
    }

    /// <summary>Takes the most urgent item, if any; never waits.</summary>
    public bool TryPop(out T item, out long version) => TryPop(TimeSpan.Zero, out item, out version);

    /// <summary>Takes the most urgent item; waits up to <paramref name="timeout"/> if none is runnable.</summary>
    /// <returns>False if nothing became runnable in time, or the queue is closed and empty.</returns>
    public bool TryPop(TimeSpan timeout, out T item, out long version)
    {
        lock (_lock)
        {
            while (true)
            {
                DropStaleHead();
                if (_heap.TryDequeue(out var entry, out _))
                {
                    DropStaleHead();
                    (item, version) = entry;
                    return true;
                }
                if (_closed || timeout == TimeSpan.Zero) break;
                _waiting++;
                bool signalled = Monitor.Wait(_lock, timeout);
                _waiting--;
                if (!signalled) break;
            }
            item = null!;
            version = 0;
            return false;
        }
    }

    /// <summary>The most urgent live entry, left in place.</summary>
    public bool TryPeek(out T item, out long version, out long rank)
    {
        lock (_lock)
        {
            DropStaleHead();
            if (_heap.TryPeek(out var entry, out var priority))
            {
                (item, version) = entry;
                rank = priority.Rank;
                return true;
            }
            item = null!;
            version = 0;
            rank = long.MaxValue;
            return false;
        }
    }

    /// <summary>Wakes every waiting worker for good: <see cref="TryPop(TimeSpan, out T, out long)"/> no longer waits.</summary>
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
        while (_heap.TryPeek(out var head, out _) && head.Version != head.Item.ReadyVersion) _heap.Dequeue();
        Volatile.Write(ref _headRank, _heap.TryPeek(out _, out var p) ? p.Rank : long.MaxValue);
    }
}
