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
/// </summary>
/// <remarks>
/// <para><b>A firing visits only keys with pairs.</b> Each window keeps, as records arrive, the list
/// of its buckets that hold records on both sides; its firing pairs those and nothing else. A join
/// of rare matches (NEXMark Q8: every new person against every new auction, by seller) holds a
/// bucket for nearly every record but pairs few: visiting them all when the window closes would put
/// the whole window's bookkeeping in front of its results.</para>
/// <para><b>Firings run in slices</b> (<see cref="IResumableFiring{TOut}"/>): a cursor remembers the
/// bucket and the pair where the last slice stopped.</para>
/// <para><b>Pairs as they form</b>, when asked (<c>emitPairsEarly</c>): a record is paired as it
/// arrives with the other side's records already in its bucket, and the firing only drops the
/// window. An inner join's pair is final once both records are in, so the pairs and their stamps
/// are the same, only earlier. The query builder asks for it when every path from the join to a
/// sink passes another window (NEXMark Q8 counts its pairs per window): a pair stamped
/// <c>End - 1</c> is released there no earlier than this window's end, so emitting it early changes
/// no output's release or deadline, and moves the pairing and the next window's work ahead of the
/// close instead of into a burst after it. A join feeding a sink directly emits when its window
/// closes, the moment its results' latency is measured from.</para>
/// <para><b>Closed windows are emptied later.</b> A fired window's buckets are recycled for new
/// windows a few per record processed afterwards, so emptying them never delays the firing's
/// results or the watermark that follows them.</para>
/// </remarks>
public sealed class WindowJoinOperator<TLeft, TRight, TKey, TOut>(
    WindowSpec window,
    Func<TLeft, TKey> leftKey,
    Func<TRight, TKey> rightKey,
    Func<TLeft, TRight, JoinWindow, TOut> resultSelector,
    bool emitPairsEarly = false) : BinaryOperator<TLeft, TRight, TOut>, IResumableFiring<TOut>, ICheckpointedOperator
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
    // Per open window (by start), its buckets holding records on both sides, in the order they came to.
    private readonly Dictionary<long, List<Bucket>> _joinable = [];
    private readonly Stack<List<Bucket>> _spareLists = new();
    // Fired windows whose buckets are still to be recycled, and the one being recycled.
    private readonly Queue<Dictionary<TKey, Bucket>> _fired = new();
    private Dictionary<TKey, Bucket>? _recycling;
    private Dictionary<TKey, Bucket>.ValueCollection.Enumerator _recycled;
    private long _watermark = Watermark.None;
    private List<Bucket>? _firing;             // the joinable buckets of the window being emitted
    private Dictionary<TKey, Bucket>? _firingWindow; // that window, taken out of the state
    private int _next, _left, _right;           // the next bucket of _firing, and the next pair in it
    private long _start;

    /// <summary>Buckets recycled per record processed, while fired windows wait to be emptied.</summary>
    private const int RecycledPerRecord = 4;

    /// <summary>Whether pairs go out as they form rather than when their window closes (see the remarks).</summary>
    public bool EmitsPairsEarly => emitPairsEarly;

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
                if (emitPairsEarly)
                {
                    long end = start + window.Size;
                    foreach (var (r, rt) in bucket.Right) output.Emit(resultSelector(l, r, new JoinWindow(start, end, lt, rt)), end - 1);
                }
                else if (bucket.Left.Count == 1 && bucket.Right.Count > 0) JoinableAt(start).Add(bucket);
            }
        }
        RecycleFired(items.Length * RecycledPerRecord);
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
                if (emitPairsEarly)
                {
                    long end = start + window.Size;
                    foreach (var (l, lt) in bucket.Left) output.Emit(resultSelector(l, r, new JoinWindow(start, end, lt, rt)), end - 1);
                }
                else if (bucket.Right.Count == 1 && bucket.Left.Count > 0) JoinableAt(start).Add(bucket);
            }
        }
        RecycleFired(items.Length * RecycledPerRecord);
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
        _joinable.Clear();
        _watermark = saved.Watermark;
        LateRecords = saved.Late;
        WindowSnapshot<TKey, SavedBucket>.ForEach(saved.Open, (start, key, bucket) =>
        {
            var restored = BucketAt(start, key);
            restored.Left.AddRange(bucket.Left);
            restored.Right.AddRange(bucket.Right);
            if (!emitPairsEarly && restored.Left.Count > 0 && restored.Right.Count > 0) JoinableAt(start).Add(restored); // early pairs went out before the checkpoint
        });
    }

    public bool Fire(long upTo, IOutput<TOut> output, ref int budget)
    {
        while (true)
        {
            if (_firing is null)
            {
                if (!_state.TryTakeClosed(window, upTo, out long start, out var closed)) return true;
                _firing = _joinable.Remove(start, out var joinable) ? joinable : [];
                _firingWindow = closed;
                _start = start;
            }
            long end = _start + window.Size;
            for (; _next < _firing.Count; _next++, _left = 0)
            {
                var bucket = _firing[_next];
                for (; _left < bucket.Left.Count; _left++, _right = 0)
                    for (; _right < bucket.Right.Count; _right++)
                    {
                        if (budget <= 0) return false;
                        var (l, lt) = bucket.Left[_left];
                        var (r, rt) = bucket.Right[_right];
                        output.Emit(resultSelector(l, r, new JoinWindow(_start, end, lt, rt)), end - 1);
                        budget--;
                    }
            }
            _firing.Clear();
            _spareLists.Push(_firing);
            _fired.Enqueue(_firingWindow!);
            _firing = null;
            _firingWindow = null;
            _next = _left = _right = 0;
        }
    }

    /// <summary>The list of joinable buckets of the window starting at <paramref name="start"/>.</summary>
    private List<Bucket> JoinableAt(long start)
    {
        ref var list = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(_joinable, start, out bool exists);
        if (!exists || list is null) list = _spareLists.Count > 0 ? _spareLists.Pop() : [];
        return list;
    }

    /// <summary>Empties up to <paramref name="buckets"/> buckets of fired windows into the spares, oldest window first.</summary>
    private void RecycleFired(int buckets)
    {
        while (buckets > 0)
        {
            if (_recycling is null)
            {
                if (!_fired.TryDequeue(out var next)) return;
                _recycling = next;
                _recycled = next.Values.GetEnumerator();
            }
            while (buckets > 0 && _recycled.MoveNext())
            {
                Spare(_recycled.Current);
                buckets--;
            }
            if (buckets == 0) return;
            _state.Recycle(_recycling);
            _recycling = null;
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
