using System.Buffers.Text;
using StackExchange.Redis;

namespace Cameo.Redis;

/// <summary>
/// The ids of the entries a reader fetched and has not acknowledged yet, in the order read (which is
/// id order: pending entries first, then new ones), 16 bytes each, so that an acknowledgement sends
/// <c>XACK</c> at once instead of listing the pending entries with <c>XPENDING</c> first. Bounded:
/// past <see cref="Limit"/> ids (a query without checkpoints that never ends) it lets go of them all
/// and reports <see cref="Overflowed"/>, and acknowledgements page the server's pending list instead.
/// Thread-safe (the reader adds, a checkpoint's completion takes).
/// </summary>
internal sealed class UnacknowledgedIds(int limit)
{
    private readonly Queue<(long Ms, long Seq)> _ids = new();
    private readonly Lock _lock = new();

    /// <summary>Most ids kept.</summary>
    public int Limit => limit;

    /// <summary>Ids were dropped (too many, or one was not <c>ms-seq</c>): acknowledge from the server's pending list.</summary>
    public bool Overflowed { get; private set; }

    /// <summary>Ids kept.</summary>
    public int Count { get { lock (_lock) return _ids.Count; } }

    /// <summary>Keeps the ids of <paramref name="entries"/>.</summary>
    public void Add(StreamEntry[] entries)
    {
        lock (_lock)
        {
            if (Overflowed) return;
            foreach (var entry in entries)
            {
                if (_ids.Count >= limit || !TryParse(entry.Id, out var id))
                {
                    Overflowed = true;
                    _ids.Clear();
                    _ids.TrimExcess();
                    return;
                }
                _ids.Enqueue(id);
            }
        }
    }

    /// <summary>Removes and returns the ids up to <paramref name="last"/> (inclusive), in pages of at most <paramref name="page"/>.</summary>
    public List<RedisValue[]> TakeUpTo(RedisValue last, int page)
    {
        var pages = new List<RedisValue[]>();
        if (!TryParse(last, out var upTo)) return pages;
        var current = new List<RedisValue>(page);
        lock (_lock)
        {
            while (_ids.TryPeek(out var id) && id.CompareTo(upTo) <= 0)
            {
                _ids.Dequeue();
                current.Add($"{id.Ms}-{id.Seq}");
                if (current.Count == page)
                {
                    pages.Add([.. current]);
                    current.Clear();
                }
            }
        }
        if (current.Count > 0) pages.Add([.. current]);
        return pages;
    }

    /// <summary>Parses an entry id <c>ms-seq</c>.</summary>
    public static bool TryParse(RedisValue id, out (long Ms, long Seq) parsed)
    {
        parsed = default;
        if (id.IsNull) return false;
        var bytes = ((ReadOnlyMemory<byte>)id).Span;
        int dash = bytes.IndexOf((byte)'-');
        if (dash <= 0
            || !Utf8Parser.TryParse(bytes[..dash], out long ms, out int msLength) || msLength != dash
            || !Utf8Parser.TryParse(bytes[(dash + 1)..], out long seq, out int seqLength) || seqLength != bytes.Length - dash - 1)
            return false;
        parsed = (ms, seq);
        return true;
    }
}
