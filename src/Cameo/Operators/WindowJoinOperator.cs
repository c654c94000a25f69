using System.Text.Json;
using Cameo.Progress;
using Cameo.Time;

namespace Cameo.Operators;

/// <summary>
/// Windowed stream-stream equi-join in event time: when a window closes, every left record is paired
/// with every right record of the same key and window. Results are stamped <c>windowEnd - 1</c>;
/// the result selector sees the window and both records' event times (<see cref="JoinWindow"/>).
/// Late records on either side are counted and handed to <see cref="BinaryOperator{TLeft,TRight,TOut}.LateLeftOutput"/>
/// or <see cref="BinaryOperator{TLeft,TRight,TOut}.LateRightOutput"/> (their windows are gone).
/// Its firings can run in slices (<see cref="IResumableFiring{TOut}"/>): a cursor remembers the
/// bucket and the pair where the last slice stopped.
/// </summary>
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
    // Buckets of fired windows, emptied, for the windows that open next: a bucket lives as long as its
    // window, long enough to be promoted by the GC, so allocating one per key and window (and growing
    // its lists) would keep the older generations busy and lengthen every pause.
    private readonly Stack<Bucket> _spareBuckets = new();
    private long _spareRecords;
    private long _watermark = Watermark.None;
    private Dictionary<TKey, Bucket>? _firing; // the window being emitted, taken out of the state
    private Dictionary<TKey, Bucket>.ValueCollection.Enumerator _buckets;
    private Bucket? _bucket;                  // the bucket being paired, and the next pair in it
    private int _left, _right;
    private long _start;

    public override void OnLeft(ReadOnlySpan<TLeft> items, ReadOnlySpan<long> timestamps, IOutput<TOut> output) =>
        Add(items, timestamps, leftKey, static b => b.Left, LateLeftOutput);

    public override void OnRight(ReadOnlySpan<TRight> items, ReadOnlySpan<long> timestamps, IOutput<TOut> output) =>
        Add(items, timestamps, rightKey, static b => b.Right, LateRightOutput);

    /// <summary>Files each record under its key in every open window holding it; late records are counted and handed to <paramref name="late"/>.</summary>
    private void Add<T>(ReadOnlySpan<T> items, ReadOnlySpan<long> timestamps, Func<T, TKey> key, Func<Bucket, List<(T, long)>> side, IOutput<T>? late)
    {
        for (int i = 0; i < items.Length; i++)
        {
            long t = timestamps[i];
            if (window.IsLate(t, _watermark))
            {
                LateRecords++;
                late?.Emit(items[i], t);
                continue;
            }
            TKey k = key(items[i]);
            foreach (long start in window.OpenStarts(t, _watermark)) side(BucketAt(start, k)).Add((items[i], t));
        }
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

    /// <summary>Copies each bucket's record lists (records are not changed once buffered), to be serialized later.</summary>
    public Func<byte[]> Capture(JsonSerializerOptions serializer)
    {
        if (_firing is not null) throw new InvalidOperationException("A join firing is half emitted; its operator cannot be saved now.");
        return WindowSnapshot<TKey, SavedBucket>.Capture(_watermark, LateRecords, _state.Windows, [], static b => new SavedBucket([.. b.Left], [.. b.Right]), serializer);
    }

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

    public bool Fire(long upTo, IOutput<TOut> output, ref int budget)
    {
        while (true)
        {
            if (_firing is null)
            {
                if (!_state.TryTakeClosed(window, upTo, out long start, out var next)) return true;
                _firing = next;
                _buckets = next.Values.GetEnumerator();
                _start = start;
            }
            while (_bucket is not null || _buckets.MoveNext())
            {
                var bucket = _bucket ??= _buckets.Current;
                for (; _left < bucket.Left.Count; _left++, _right = 0)
                    for (; _right < bucket.Right.Count; _right++)
                    {
                        if (budget <= 0) return false;
                        var (l, lt) = bucket.Left[_left];
                        var (r, rt) = bucket.Right[_right];
                        long end = _start + window.Size;
                        output.Emit(resultSelector(l, r, new JoinWindow(_start, end, lt, rt)), end - 1);
                        budget--;
                    }
                _bucket = null;
                _left = 0;
                _right = 0;
            }
            foreach (var fired in _firing.Values) Spare(fired);
            _state.Recycle(_firing);
            _firing = null;
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
