using System.Text.Json;
using Cameo.Progress;
using Cameo.Time;

namespace Cameo.Operators;

/// <summary>
/// Keyed tumbling or sliding window aggregation in event time. A window fires once the watermark
/// reaches its end; a record whose every window has already fired is late: it is counted, handed
/// to <paramref name="onLate"/> if given and to <see cref="Operator{TIn,TOut}.LateOutput"/>, never
/// silently dropped. With <paramref name="allowedLatenessMs"/>, a fired window is kept until the
/// watermark passes its end plus that much: a record for it updates it and emits the updated
/// result at once (the same key, start and end, superseding the earlier one), as Flink does. Its
/// firings can run in slices (<see cref="IResumableFiring{TOut}"/>): a cursor remembers where in a
/// window's keys the last slice stopped; a record for the window being fired is late.
/// </summary>
/// <remarks>State: open windows (<see cref="WindowState{TKey,TState}"/>) and, with allowed lateness, fired windows kept for updates.</remarks>
public sealed class WindowAggregateOperator<TIn, TKey, TAcc, TOut>(
    WindowSpec window,
    Func<TIn, TKey> keySelector,
    IAggregate<TIn, TAcc, TOut> aggregate,
    Action<TIn>? onLate = null,
    long allowedLatenessMs = 0) : Operator<TIn, WindowResult<TKey, TOut>>, IResumableFiring<WindowResult<TKey, TOut>>, ICheckpointedOperator
    where TKey : notnull
{
    /// <summary>The saved state: the watermark, the late count and each open window's accumulators.</summary>
    private sealed record Saved(long Watermark, long Late, List<SavedWindow> Windows);

    private sealed record SavedWindow(long Start, List<KeyValuePair<TKey, TAcc>> Keys);

    private readonly WindowState<TKey, TAcc> _state = new();
    private readonly SortedDictionary<long, Dictionary<TKey, TAcc>> _fired = new(); // by start: fired windows still open to late updates
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
            if (allowedLatenessMs > 0) { AddWithLateness(items[i], t, output); continue; }
            if (window.IsLate(t, _watermark))
            {
                LateRecord(items[i], t);
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

    /// <summary>Adds a record to its open windows and to its fired windows still within the allowed lateness (emitting their updated results).</summary>
    private void AddWithLateness(TIn item, long t, IOutput<WindowResult<TKey, TOut>> output)
    {
        bool counted = false;
        TKey key = keySelector(item);
        foreach (long start in window.OpenStarts(t, Watermark.None))
        {
            long end = start + window.Size;
            if (_watermark == Watermark.None || end > _watermark)
            {
                ref TAcc? acc = ref _state.Slot(start, key, out bool exists);
                acc = aggregate.Add(exists ? acc! : aggregate.Create(), item);
                counted = true;
            }
            else if (_fired.TryGetValue(start, out var fired))
            {
                ref TAcc? acc = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(fired, key, out bool exists);
                acc = aggregate.Add(exists ? acc! : aggregate.Create(), item);
                output.Emit(new WindowResult<TKey, TOut>(key, start, end, aggregate.Result(acc)), end - 1);
                counted = true;
            }
        }
        if (!counted) LateRecord(item, t);
    }

    private void LateRecord(TIn item, long t)
    {
        Late(item, t);
        onLate?.Invoke(item);
    }

    public override void OnWatermark(long watermark, IOutput<WindowResult<TKey, TOut>> output)
    {
        Advance(watermark);
        int budget = int.MaxValue;
        Fire(watermark, output, ref budget);
    }

    public void Advance(long watermark)
    {
        _watermark = watermark;
        while (_fired.Count > 0)
        {
            var (start, fired) = _fired.First();
            if (watermark != Watermark.EndOfStream && start + window.Size + allowedLatenessMs > watermark) break;
            _fired.Remove(start);
            _state.Recycle(fired);
        }
    }

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
            if (allowedLatenessMs > 0 && _watermark != Watermark.EndOfStream && _firingStart + window.Size + allowedLatenessMs > _watermark) _fired[_firingStart] = _firing;
            else _state.Recycle(_firing);
            _firing = null;
        }
    }
}
