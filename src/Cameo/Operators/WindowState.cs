using System.Runtime.InteropServices;
using Cameo.Time;

namespace Cameo.Operators;

/// <summary>
/// Per-window, per-key state of a windowed operator, with windows kept in start order so that a
/// watermark closes them from the oldest. Closed windows' dictionaries are reused.
/// </summary>
internal sealed class WindowState<TKey, TState> where TKey : notnull
{
    private readonly SortedDictionary<long, Dictionary<TKey, TState>> _windows = new();
    private readonly Stack<Dictionary<TKey, TState>> _spare = new();
    private long _lastStart = long.MinValue;
    private Dictionary<TKey, TState>? _last;
    private long _earliestStart = long.MaxValue; // the smallest key of _windows, so most watermarks need not look inside

    public int OpenWindows => _windows.Count;

    /// <summary>The slot for <paramref name="key"/> in the window starting at <paramref name="start"/>.</summary>
    public ref TState? Slot(long start, TKey key, out bool exists)
    {
        Dictionary<TKey, TState> window;
        if (start == _lastStart && _last is not null) window = _last;
        else
        {
            if (!_windows.TryGetValue(start, out var found))
            {
                found = _spare.Count > 0 ? _spare.Pop() : [];
                _windows.Add(start, found);
                if (start < _earliestStart) _earliestStart = start;
            }
            window = found;
            _lastStart = start;
            _last = found;
        }
        return ref CollectionsMarshal.GetValueRefOrAddDefault(window, key, out exists);
    }

    /// <summary>Removes and yields, oldest first, every window of <paramref name="spec"/> that ends at or before <paramref name="watermark"/>.</summary>
    public void CloseUpTo(WindowSpec spec, long watermark, Action<long, Dictionary<TKey, TState>> onClose)
    {
        if (_earliestStart == long.MaxValue || _earliestStart + spec.Size > watermark) return; // nothing closes (no allocation)
        while (_windows.Count > 0)
        {
            var (start, window) = _windows.First();
            if (start + spec.Size > watermark) break;
            _windows.Remove(start);
            if (ReferenceEquals(window, _last)) { _last = null; _lastStart = long.MinValue; }
            onClose(start, window);
            window.Clear();
            _spare.Push(window);
        }
        _earliestStart = _windows.Count > 0 ? _windows.First().Key : long.MaxValue;
    }
}
