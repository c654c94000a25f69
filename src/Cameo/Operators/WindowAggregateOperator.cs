using System.Runtime.CompilerServices;
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
/// window's keys the last slice stopped; a record for the window being fired is late, or, within
/// the allowed lateness, an update of it applied once its firing is emitted.
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
    private readonly WindowState<TKey, TAcc> _state = new();
    private readonly SortedDictionary<long, Dictionary<TKey, TAcc>> _fired = new(); // by start: fired windows still open to late updates
    private long _watermark = Watermark.None;
    private Dictionary<TKey, TAcc>? _firing; // the window being emitted, taken out of the state
    private Dictionary<TKey, TAcc>.Enumerator _cursor;
    private long _firingStart;
    private int _left;                       // its results not yet emitted
    private readonly List<(TIn Item, long Time)> _forFiring = []; // records (within the allowed lateness) for the window being fired

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
            if (_watermark == Watermark.None || end > _watermark || _state.Holds(start))
            {
                // Open, or closed but not yet fired (its firing is queued behind another): it fires with the record.
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
            else if (_firing is not null && start == _firingStart)
            {
                _forFiring.Add((item, t)); // updates the window once its firing is emitted
                counted = true;
            }
        }
        if (!counted) LateRecord(item, t);
    }

    /// <summary>Applies the records that came for the window while it was being fired, as updates of the fired window.</summary>
    private void ApplyDeferred(IOutput<WindowResult<TKey, TOut>> output)
    {
        foreach (var (item, t) in _forFiring)
        {
            long end = _firingStart + window.Size;
            if (!_fired.TryGetValue(_firingStart, out var fired)) { LateRecord(item, t); continue; }
            TKey key = keySelector(item);
            ref TAcc? acc = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(fired, key, out bool exists);
            acc = aggregate.Add(exists ? acc! : aggregate.Create(), item);
            output.Emit(new WindowResult<TKey, TOut>(key, _firingStart, end, aggregate.Result(acc)), end - 1);
        }
        _forFiring.Clear();
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

    /// <summary>The watermark, the late count, each open window's accumulators and those of fired windows kept for late updates.</summary>
    public byte[] Snapshot(JsonSerializerOptions serializer) => Capture(serializer)();

    /// <summary>
    /// Copies the accumulators when they are plain values (no references: the built-in count, sum,
    /// min, max, average); an accumulator holding references (a set, a list) may be changed in place
    /// by the aggregate, so such state is serialized at once.
    /// </summary>
    public Func<byte[]> Capture(JsonSerializerOptions serializer)
    {
        if (_firing is not null) throw new InvalidOperationException("A window firing is half emitted; its operator cannot be saved now.");
        var capture = WindowSnapshot<TKey, TAcc>.Capture(_watermark, LateRecords, _state.Windows, _fired, static acc => acc, serializer);
        if (!RuntimeHelpers.IsReferenceOrContainsReferences<TAcc>()) return capture;
        byte[] state = capture();
        return () => state;
    }

    public void Restore(byte[] state, JsonSerializerOptions serializer)
    {
        var saved = WindowSnapshot<TKey, TAcc>.Load(state, serializer);
        _state.Clear();
        _fired.Clear();
        _watermark = saved.Watermark;
        LateRecords = saved.Late;
        WindowSnapshot<TKey, TAcc>.ForEach(saved.Open, (start, key, acc) => _state.Slot(start, key, out _) = acc);
        WindowSnapshot<TKey, TAcc>.ForEach(saved.Fired, (start, key, acc) =>
        {
            if (!_fired.TryGetValue(start, out var fired)) _fired[start] = fired = [];
            fired[key] = acc;
        });
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
            if (_forFiring.Count > 0) ApplyDeferred(output);
            _firing = null;
        }
    }
}
