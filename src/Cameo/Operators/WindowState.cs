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

    /// <summary>
    /// Removes the oldest window of <paramref name="spec"/> that ends at or before <paramref name="watermark"/>,
    /// if any. The caller hands it back to <see cref="Recycle"/> once it has emitted its results.
    /// </summary>
    public bool TryTakeClosed(WindowSpec spec, long watermark, out long start, [System.Diagnostics.CodeAnalysis.MaybeNullWhen(false)] out Dictionary<TKey, TState> window)
    {
        start = 0;
        window = null;
        if (_earliestStart == long.MaxValue || _earliestStart + spec.Size > watermark) return false; // nothing closes (no allocation)
        (start, window) = _windows.First();
        _windows.Remove(start);
        if (ReferenceEquals(window, _last)) { _last = null; _lastStart = long.MinValue; }
        _earliestStart = _windows.Count > 0 ? _windows.First().Key : long.MaxValue;
        return true;
    }

    /// <summary>True if the window starting at <paramref name="start"/> is held (open, or closed and not yet taken).</summary>
    public bool Holds(long start) => _windows.ContainsKey(start);

    /// <summary>The open windows, oldest first (for a snapshot; not to be changed while enumerated).</summary>
    public IEnumerable<KeyValuePair<long, Dictionary<TKey, TState>>> Windows => _windows;

    /// <summary>Drops every window (before a restore).</summary>
    public void Clear()
    {
        _windows.Clear();
        _last = null;
        _lastStart = long.MinValue;
        _earliestStart = long.MaxValue;
    }

    /// <summary>Keeps a fired window's dictionary, emptied, for a later window.</summary>
    public void Recycle(Dictionary<TKey, TState> window)
    {
        window.Clear();
        _spare.Push(window);
    }
}
