using Cameo.Time;

namespace Cameo.Operators;

/// <summary>
/// Windowed stream-stream equi-join in event time: when a window closes, every left record is paired
/// with every right record of the same key and window. Results are stamped <c>windowEnd - 1</c>.
/// Late records on either side are counted and dropped from the join (their windows are gone).
/// </summary>
public sealed class WindowJoinOperator<TLeft, TRight, TKey, TOut>(
    WindowSpec window,
    Func<TLeft, TKey> leftKey,
    Func<TRight, TKey> rightKey,
    Func<TLeft, TRight, TOut> resultSelector) : BinaryOperator<TLeft, TRight, TOut>
    where TKey : notnull
{
    private sealed class Bucket
    {
        public readonly List<TLeft> Left = [];
        public readonly List<TRight> Right = [];
    }

    private readonly WindowState<TKey, Bucket> _state = new();
    private long _watermark = Watermark.None;
    private Action<long, Dictionary<TKey, Bucket>>? _fire;
    private IOutput<TOut>? _firing;

    public override void OnLeft(ReadOnlySpan<TLeft> items, ReadOnlySpan<long> timestamps, IOutput<TOut> output) =>
        Add(items, timestamps, leftKey, static b => b.Left);

    public override void OnRight(ReadOnlySpan<TRight> items, ReadOnlySpan<long> timestamps, IOutput<TOut> output) =>
        Add(items, timestamps, rightKey, static b => b.Right);

    /// <summary>Files each record under its key in every open window holding it; late records are only counted.</summary>
    private void Add<T>(ReadOnlySpan<T> items, ReadOnlySpan<long> timestamps, Func<T, TKey> key, Func<Bucket, List<T>> side)
    {
        for (int i = 0; i < items.Length; i++)
        {
            long t = timestamps[i];
            if (window.IsLate(t, _watermark)) { LateRecords++; continue; }
            TKey k = key(items[i]);
            foreach (long start in window.OpenStarts(t, _watermark)) side(BucketAt(start, k)).Add(items[i]);
        }
    }

    public override void OnWatermark(long watermark, IOutput<TOut> output)
    {
        _watermark = watermark;
        _firing = output;
        _state.CloseUpTo(window, watermark, _fire ??= Fire); // cached: a method group allocates a delegate per use
        _firing = null;
    }

    private Bucket BucketAt(long start, TKey key)
    {
        ref Bucket? bucket = ref _state.Slot(start, key, out bool exists);
        if (!exists || bucket is null) bucket = new Bucket();
        return bucket;
    }

    private void Fire(long start, Dictionary<TKey, Bucket> buckets)
    {
        long stamp = start + window.Size - 1;
        foreach (var bucket in buckets.Values)
            foreach (var l in bucket.Left)
                foreach (var r in bucket.Right)
                    _firing!.Emit(resultSelector(l, r), stamp);
    }
}
