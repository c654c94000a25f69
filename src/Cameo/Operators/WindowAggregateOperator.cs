using System.Text.Json;
using Cameo.Progress;
using Cameo.Time;

namespace Cameo.Operators;

/// <summary>
/// Keyed tumbling or sliding window aggregation in event time. A window fires once the watermark
/// reaches its end; a record whose every window has already fired is late: it is counted and handed
/// to <paramref name="onLate"/> if given, never silently dropped. Its firings can run in slices
/// (<see cref="IResumableFiring{TOut}"/>): a cursor remembers where in a window's keys the last slice stopped.
/// </summary>
public sealed class WindowAggregateOperator<TIn, TKey, TAcc, TOut>(
    WindowSpec window,
    Func<TIn, TKey> keySelector,
    IAggregate<TIn, TAcc, TOut> aggregate,
    Action<TIn>? onLate = null) : Operator<TIn, WindowResult<TKey, TOut>>, IResumableFiring<WindowResult<TKey, TOut>>, ICheckpointedOperator
    where TKey : notnull
{
    /// <summary>The saved state: the watermark, the late count and each open window's accumulators.</summary>
    private sealed record Saved(long Watermark, long Late, List<SavedWindow> Windows);

    private sealed record SavedWindow(long Start, List<KeyValuePair<TKey, TAcc>> Keys);

    private readonly WindowState<TKey, TAcc> _state = new();
    private long _watermark = Watermark.None;
    private Dictionary<TKey, TAcc>? _firing; // the window being emitted, taken out of the state
    private Dictionary<TKey, TAcc>.Enumerator _cursor;
    private long _firingStart;
    private int _left;                       // its results not yet emitted

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
        Advance(watermark);
        int budget = int.MaxValue;
        Fire(watermark, output, ref budget);
    }

    public void Advance(long watermark) => _watermark = watermark;

    public byte[] Snapshot(JsonSerializerOptions serializer)
    {
        if (_firing is not null) throw new InvalidOperationException("A window firing is half emitted; its operator cannot be saved now.");
        var windows = _state.Windows.Select(w => new SavedWindow(w.Key, [.. w.Value])).ToList();
        return JsonSerializer.SerializeToUtf8Bytes(new Saved(_watermark, LateRecords, windows), serializer);
    }

    public void Restore(byte[] state, JsonSerializerOptions serializer)
    {
        var saved = JsonSerializer.Deserialize<Saved>(state, serializer) ?? throw new InvalidDataException("Empty window state.");
        _state.Clear();
        _watermark = saved.Watermark;
        LateRecords = saved.Late;
        foreach (var window in saved.Windows)
            foreach (var (key, acc) in window.Keys)
                _state.Slot(window.Start, key, out _) = acc;
    }

    public bool Fire(long upTo, IOutput<WindowResult<TKey, TOut>> output, ref int budget)
    {
        while (true)
        {
            if (_firing is null)
            {
                if (!_state.TryTakeClosed(window, upTo, out _firingStart, out var next)) return true;
                _firing = next;
                _cursor = next.GetEnumerator();
                _left = next.Count;
            }
            long end = _firingStart + window.Size;
            while (_left > 0)
            {
                if (budget <= 0) return false;
                _cursor.MoveNext();
                var (key, acc) = _cursor.Current;
                output.Emit(new WindowResult<TKey, TOut>(key, _firingStart, end, aggregate.Result(acc)), end - 1);
                _left--;
                budget--;
            }
            _state.Recycle(_firing);
            _firing = null;
        }
    }
}
