using System.Text.Json;
using Cameo.Progress;
using Cameo.Time;

namespace Cameo.Operators;

/// <summary>
/// Windowed stream-stream equi-join in event time: every left record is paired with every right
/// record of the same key and window. Results are stamped <c>windowEnd - 1</c>; the result selector
/// sees the window and both records' event times (<see cref="JoinWindow"/>). Late records on either
/// side are counted and handed to <see cref="BinaryOperator{TLeft,TRight,TOut}.LateLeftOutput"/>
/// or <see cref="BinaryOperator{TLeft,TRight,TOut}.LateRightOutput"/> (their windows are gone).
/// </summary>
/// <remarks>
/// <para><b>Pairs go out as they form</b> (a symmetric hash join per window): a record is paired, as it
/// arrives, with the other side's records already in its key's bucket, and kept for those still to
/// come. An inner join's pair is final once both records are in, so this emits exactly the pairs
/// that joining the whole window at its close would, stamped the same, only earlier: the work is
/// spread over the window as its input arrives rather than done in one burst when it closes, and a
/// window downstream that counts or groups the pairs (stamped inside its own window) already holds
/// them when the watermark closes it.</para>
/// <para>A closed window is only dropped. Dropping a large one runs in slices
/// (<see cref="IResumableFiring{TOut}"/>), a bucket per unit of budget, with nothing to emit.</para>
/// </remarks>
public sealed class WindowJoinOperator<TLeft, TRight, TKey, TOut>(
    WindowSpec window,
    Func<TLeft, TKey> leftKey,
    Func<TRight, TKey> rightKey,
    Func<TLeft, TRight, JoinWindow, TOut> resultSelector) : BinaryOperator<TLeft, TRight, TOut>, IResumableFiring<TOut>, ICheckpointedOperator
    where TKey : notnull
{
    /// <summary>A key's saved records of one window, both sides.</summary>
    private sealed record SavedBucket(List<(TLeft Item, long Time)> Left, List<(TRight Item, long Time)> Right);

    private sealed class Bucket
    {
        public readonly List<(TLeft Item, long Time)> Left = [];
        public readonly List<(TRight Item, long Time)> Right = [];
    }

    /// <summary>Most record slots the buckets kept for reuse may hold on to, both sides together.</summary>
    private const long MaxSpareRecords = 1 << 20;

    private readonly WindowState<TKey, Bucket> _state = new();
    // Buckets of closed windows, emptied, for the windows that open next: a bucket lives as long as its
    // window, long enough to be promoted by the GC, so allocating one per key and window (and growing
    // its lists) would keep the older generations busy and lengthen every pause.
    private readonly Stack<Bucket> _spareBuckets = new();
    private long _spareRecords;
    private long _watermark = Watermark.None;
    private Dictionary<TKey, Bucket>? _dropping; // a closed window being dropped, taken out of the state
    private Dictionary<TKey, Bucket>.ValueCollection.Enumerator _buckets;

    public override void OnLeft(ReadOnlySpan<TLeft> items, ReadOnlySpan<long> timestamps, IOutput<TOut> output)
    {
        for (int i = 0; i < items.Length; i++)
        {
            var (l, lt) = (items[i], timestamps[i]);
            if (IsLate(lt))
            {
                LateLeftOutput?.Emit(l, lt);
                continue;
            }
            TKey k = leftKey(l);
            foreach (long start in window.OpenStarts(lt, _watermark))
            {
                var bucket = BucketAt(start, k);
                bucket.Left.Add((l, lt));
                long end = start + window.Size;
                foreach (var (r, rt) in bucket.Right) output.Emit(resultSelector(l, r, new JoinWindow(start, end, lt, rt)), end - 1);
            }
        }
    }

    public override void OnRight(ReadOnlySpan<TRight> items, ReadOnlySpan<long> timestamps, IOutput<TOut> output)
    {
        for (int i = 0; i < items.Length; i++)
        {
            var (r, rt) = (items[i], timestamps[i]);
            if (IsLate(rt))
            {
                LateRightOutput?.Emit(r, rt);
                continue;
            }
            TKey k = rightKey(r);
            foreach (long start in window.OpenStarts(rt, _watermark))
            {
                var bucket = BucketAt(start, k);
                bucket.Right.Add((r, rt));
                long end = start + window.Size;
                foreach (var (l, lt) in bucket.Left) output.Emit(resultSelector(l, r, new JoinWindow(start, end, lt, rt)), end - 1);
            }
        }
    }

    /// <summary>Whether a record at <paramref name="t"/> is late (counted; its windows are gone).</summary>
    private bool IsLate(long t)
    {
        if (!window.IsLate(t, _watermark)) return false;
        LateRecords++;
        return true;
    }

    public override void OnWatermark(long watermark, IOutput<TOut> output)
    {
        Advance(watermark);
        int budget = int.MaxValue;
        Fire(watermark, output, ref budget);
    }

    public void Advance(long watermark) => _watermark = watermark;

    /// <summary>The watermark, the late count and each open window's buffered records by key.</summary>
    public byte[] Snapshot(JsonSerializerOptions serializer) => Capture(serializer)();

    /// <summary>Copies each bucket's record lists (records are not changed once buffered), to be serialized later. A window being dropped is closed: it has no part in the state.</summary>
    public Func<byte[]> Capture(JsonSerializerOptions serializer) =>
        WindowSnapshot<TKey, SavedBucket>.Capture(_watermark, LateRecords, _state.Windows, [], static b => new SavedBucket([.. b.Left], [.. b.Right]), serializer);

    public void Restore(byte[] state, JsonSerializerOptions serializer)
    {
        var saved = WindowSnapshot<TKey, SavedBucket>.Load(state, serializer);
        _state.Clear();
        _watermark = saved.Watermark;
        LateRecords = saved.Late;
        WindowSnapshot<TKey, SavedBucket>.ForEach(saved.Open, (start, key, bucket) =>
        {
            var restored = BucketAt(start, key);
            restored.Left.AddRange(bucket.Left);
            restored.Right.AddRange(bucket.Right);
        });
    }

    /// <summary>Drops the windows closed by <paramref name="upTo"/>, a bucket per unit of <paramref name="budget"/>: their pairs went out as they formed.</summary>
    public bool Fire(long upTo, IOutput<TOut> output, ref int budget)
    {
        while (true)
        {
            if (_dropping is null)
            {
                if (!_state.TryTakeClosed(window, upTo, out _, out var closed)) return true;
                _dropping = closed;
                _buckets = closed.Values.GetEnumerator();
            }
            while (true)
            {
                if (budget <= 0) return false;
                if (!_buckets.MoveNext()) break;
                Spare(_buckets.Current);
                budget--;
            }
            _state.Recycle(_dropping);
            _dropping = null;
        }
    }

    private Bucket BucketAt(long start, TKey key)
    {
        ref Bucket? bucket = ref _state.Slot(start, key, out bool exists);
        if (exists && bucket is not null) return bucket;
        if (_spareBuckets.TryPop(out var spare))
        {
            _spareRecords -= spare.Left.Capacity + spare.Right.Capacity;
            return bucket = spare;
        }
        return bucket = new Bucket();
    }

    /// <summary>Keeps an emptied bucket for reuse while the kept ones hold at most <see cref="MaxSpareRecords"/> slots, so a burst's size is not kept for good.</summary>
    private void Spare(Bucket bucket)
    {
        long slots = bucket.Left.Capacity + bucket.Right.Capacity;
        if (_spareRecords + slots > MaxSpareRecords) return;
        bucket.Left.Clear();
        bucket.Right.Clear();
        _spareBuckets.Push(bucket);
        _spareRecords += slots;
    }
}

/// <summary>What a window-aware join result sees besides the two records.</summary>
/// <param name="Start">The window's start, Unix ms (inclusive).</param>
/// <param name="End">The window's end, Unix ms (exclusive); the result is stamped <c>End - 1</c>.</param>
/// <param name="LeftTime">The left record's event time.</param>
/// <param name="RightTime">The right record's event time.</param>
public readonly record struct JoinWindow(long Start, long End, long LeftTime, long RightTime);
