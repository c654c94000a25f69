using System.Text.Json;
using Cameo.Progress;

namespace Cameo.Operators;

/// <summary>
/// Stream–table join in event time: the right input is a changelog (each row is the new value of
/// its key from its event time on), and each left record stamped <c>t</c> is paired with its key's
/// version as of <c>t</c>: the row with the largest event time at or below <c>t</c> (inner join: a
/// record whose key has no such row yields nothing). Results are stamped <c>t</c>.
/// </summary>
/// <remarks>
/// <para>The version at <c>t</c> is final once no row at or below <c>t</c> is still expected, that
/// is once the watermark (the minimum of both inputs') reaches <c>t</c>: left records wait until
/// then. A left record already at or below the watermark when it arrives is late (its version may
/// have been compacted away): counted and handed to <see cref="BinaryOperator{TLeft,TRight,TOut}.LateLeftOutput"/>.
/// A row behind the watermark still updates the table for every record that waits.</para>
/// <para>State: per key, its versions (time, row) in time order, compacted to the newest at or
/// below the watermark plus those after it; and the left records waiting for the watermark.</para>
/// <para>State expiry (<paramref name="stateExpiryMs"/> &gt; 0, in event time): a left record
/// stamped <c>t</c> meets its key's version as of <c>t</c> only if that version is less than the
/// expiry older than <c>t</c>, else it yields nothing, as for a key with no row. A key whose newest
/// row is stamped <c>r</c> is dropped from the state once the watermark reaches <c>r + expiry</c>
/// (no record still to come can meet it), so the table holds only the keys updated within the
/// expiry; a later row of the key starts it afresh. Results depend on event times only, never on
/// when the state was dropped.</para>
/// </remarks>
public sealed class TableJoinOperator<TLeft, TRow, TKey, TOut>(
    Func<TLeft, TKey> leftKey,
    Func<TRow, TKey> rowKey,
    Func<TLeft, TRow, TOut> resultSelector,
    long stateExpiryMs = 0) : BinaryOperator<TLeft, TRow, TOut>, ICheckpointedOperator
    where TKey : notnull
{
    /// <summary>The saved state: the watermark, the late count, every key's versions and the waiting left records.</summary>
    private sealed record Saved(long Watermark, long Late, List<KeyValuePair<TKey, List<(long Time, TRow Row)>>> Versions, List<(TLeft Item, long Time)> Waiting);

    private readonly Dictionary<TKey, List<(long Time, TRow Row)>> _versions = [];
    private readonly List<(TLeft Item, long Time)> _waiting = [];
    private readonly PriorityQueue<TKey, long> _expiry = new(); // with state expiry: keys by the time their newest row expires (stale entries skipped)
    private long _watermark = Watermark.None;

    /// <summary>Keys in the table (each with its versions).</summary>
    public int Keys => _versions.Count;

    public override void OnLeft(ReadOnlySpan<TLeft> items, ReadOnlySpan<long> timestamps, IOutput<TOut> output)
    {
        for (int i = 0; i < items.Length; i++)
        {
            long t = timestamps[i];
            if (_watermark != Watermark.None && t <= _watermark)
            {
                LateRecords++;
                LateLeftOutput?.Emit(items[i], t);
                continue;
            }
            _waiting.Add((items[i], t));
        }
    }

    public override void OnRight(ReadOnlySpan<TRow> items, ReadOnlySpan<long> timestamps, IOutput<TOut> output)
    {
        for (int i = 0; i < items.Length; i++)
        {
            var key = rowKey(items[i]);
            if (!_versions.TryGetValue(key, out var versions)) _versions[key] = versions = [];
            int at = versions.Count;
            while (at > 0 && versions[at - 1].Time > timestamps[i]) at--;
            versions.Insert(at, (timestamps[i], items[i]));
            if (stateExpiryMs > 0 && at == versions.Count - 1) _expiry.Enqueue(key, timestamps[i] + stateExpiryMs);
            Compact(versions);
        }
    }

    public override void OnWatermark(long watermark, IOutput<TOut> output)
    {
        _watermark = watermark;
        int kept = 0;
        for (int i = 0; i < _waiting.Count; i++)
        {
            var (item, t) = _waiting[i];
            if (t > watermark) { _waiting[kept++] = _waiting[i]; continue; }
            if (_versions.TryGetValue(leftKey(item), out var versions) && VersionAt(versions, t) is int v && !Expired(versions[v].Time, t))
                output.Emit(resultSelector(item, versions[v].Row), t);
        }
        _waiting.RemoveRange(kept, _waiting.Count - kept);
        Expire(watermark);
    }

    /// <summary>True if, with state expiry, a version stamped <paramref name="version"/> is too old for a record stamped <paramref name="t"/>.</summary>
    private bool Expired(long version, long t) => stateExpiryMs > 0 && t - version >= stateExpiryMs;

    /// <summary>Drops the keys whose newest row expired at or before <paramref name="watermark"/> (every record behind it has been released).</summary>
    private void Expire(long watermark)
    {
        while (_expiry.TryPeek(out var key, out long due) && due <= watermark)
        {
            _expiry.Dequeue();
            if (_versions.TryGetValue(key, out var versions) && versions[^1].Time + stateExpiryMs <= watermark) _versions.Remove(key);
        }
    }

    public byte[] Snapshot(JsonSerializerOptions serializer) => Capture(serializer)();

    /// <summary>Copies every key's versions and the waiting records, to be serialized later.</summary>
    public Func<byte[]> Capture(JsonSerializerOptions serializer)
    {
        var versions = new List<KeyValuePair<TKey, List<(long Time, TRow Row)>>>(_versions.Count);
        foreach (var (key, list) in _versions) versions.Add(KeyValuePair.Create(key, new List<(long Time, TRow Row)>(list)));
        var snapshot = new Saved(_watermark, LateRecords, versions, [.. _waiting]);
        return () => JsonSerializer.SerializeToUtf8Bytes(snapshot, serializer);
    }

    public void Restore(byte[] state, JsonSerializerOptions serializer)
    {
        var saved = JsonSerializer.Deserialize<Saved>(state, serializer) ?? throw new InvalidDataException("Empty table join state.");
        _watermark = saved.Watermark;
        LateRecords = saved.Late;
        _versions.Clear();
        _expiry.Clear();
        foreach (var (key, versions) in saved.Versions)
        {
            _versions[key] = versions;
            if (stateExpiryMs > 0 && versions.Count > 0) _expiry.Enqueue(key, versions[^1].Time + stateExpiryMs);
        }
        _waiting.Clear();
        _waiting.AddRange(saved.Waiting);
    }

    /// <summary>Index of the newest version at or below <paramref name="t"/>, or null.</summary>
    private static int? VersionAt(List<(long Time, TRow Row)> versions, long t)
    {
        for (int i = versions.Count - 1; i >= 0; i--)
            if (versions[i].Time <= t) return i;
        return null;
    }

    /// <summary>Drops versions no waiting or future record can see: all but the newest at or below the watermark, and those after.</summary>
    private void Compact(List<(long Time, TRow Row)> versions)
    {
        if (_watermark == Watermark.None) return;
        int newestBelow = -1;
        for (int i = 0; i < versions.Count && versions[i].Time <= _watermark; i++) newestBelow = i;
        if (newestBelow > 0) versions.RemoveRange(0, newestBelow);
    }
}
