using Cameo.Time;

namespace Cameo.Operators;

/// <summary>
/// Keyed tumbling or sliding window aggregation in event time. A window fires once the watermark
/// reaches its end; a record whose every window has already fired is late: it is counted and handed
/// to <paramref name="onLate"/> if given, never silently dropped.
/// </summary>
public sealed class WindowAggregateOperator<TIn, TKey, TAcc, TOut>(
    WindowSpec window,
    Func<TIn, TKey> keySelector,
    IAggregate<TIn, TAcc, TOut> aggregate,
    Action<TIn>? onLate = null) : Operator<TIn, WindowResult<TKey, TOut>>
    where TKey : notnull
{
    private readonly WindowState<TKey, TAcc> _state = new();
    private long _watermark = Watermark.None;
    private Action<long, Dictionary<TKey, TAcc>>? _fire;
    private IOutput<WindowResult<TKey, TOut>>? _firing;

    public override void OnRecords(ReadOnlySpan<TIn> items, ReadOnlySpan<long> timestamps, IOutput<WindowResult<TKey, TOut>> output)
    {
        for (int i = 0; i < items.Length; i++)
        {
            long t = timestamps[i];
            if (window.IsLate(t, _watermark))
            {
                LateRecords++;
                onLate?.Invoke(items[i]);
                continue;
            }
            TKey key = keySelector(items[i]);
            foreach (long start in window.OpenStarts(t, _watermark))
            {
                ref TAcc? acc = ref _state.Slot(start, key, out bool exists);
                acc = aggregate.Add(exists ? acc! : aggregate.Create(), items[i]);
            }
        }
    }

    public override void OnWatermark(long watermark, IOutput<WindowResult<TKey, TOut>> output)
    {
        _watermark = watermark;
        _firing = output;
        _state.CloseUpTo(window, watermark, _fire ??= Fire); // cached: a method group allocates a delegate per use
        _firing = null;
    }

    private void Fire(long start, Dictionary<TKey, TAcc> results)
    {
        long end = start + window.Size;
        foreach (var (key, acc) in results)
            _firing!.Emit(new WindowResult<TKey, TOut>(key, start, end, aggregate.Result(acc)), end - 1);
    }
}
