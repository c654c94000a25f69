using System.Text.Json;

namespace Cameo.Operators;

/// <summary>
/// The saved state of a windowed operator (window aggregate, window join): its watermark, its late
/// count, and per window (by start) its state per key, open windows and fired ones kept for late
/// updates apart. Each operator says how a key's state is saved (<typeparamref name="TSaved"/>).
/// </summary>
internal sealed record WindowSnapshot<TKey, TSaved>(long Watermark, long Late, List<WindowSnapshot<TKey, TSaved>.Window> Open, List<WindowSnapshot<TKey, TSaved>.Window> Fired)
    where TKey : notnull
{
    /// <summary>One window: its start and each key's saved state.</summary>
    public sealed record Window(long Start, List<KeyValuePair<TKey, TSaved>> Keys);

    /// <summary>
    /// Copies the windows (oldest first), each key's state through <paramref name="copy"/>, and returns
    /// what serializes the copy: <paramref name="copy"/> must return a value that later changes of the
    /// live state do not reach (the state itself if it is a plain value, else a copy of it).
    /// </summary>
    public static Func<byte[]> Capture<TState>(long watermark, long late,
        IEnumerable<KeyValuePair<long, Dictionary<TKey, TState>>> open, IEnumerable<KeyValuePair<long, Dictionary<TKey, TState>>> fired,
        Func<TState, TSaved> copy, JsonSerializerOptions serializer)
    {
        List<Window> Windows(IEnumerable<KeyValuePair<long, Dictionary<TKey, TState>>> windows)
        {
            var copied = new List<Window>();
            foreach (var (start, keys) in windows)
            {
                var saved = new List<KeyValuePair<TKey, TSaved>>(keys.Count);
                foreach (var (key, state) in keys) saved.Add(KeyValuePair.Create(key, copy(state)));
                copied.Add(new Window(start, saved));
            }
            return copied;
        }
        var snapshot = new WindowSnapshot<TKey, TSaved>(watermark, late, Windows(open), Windows(fired));
        return () => JsonSerializer.SerializeToUtf8Bytes(snapshot, serializer);
    }

    /// <summary>Reads what <see cref="Capture{TState}"/> serialized.</summary>
    public static WindowSnapshot<TKey, TSaved> Load(byte[] state, JsonSerializerOptions serializer) =>
        JsonSerializer.Deserialize<WindowSnapshot<TKey, TSaved>>(state, serializer) ?? throw new InvalidDataException("Empty window state.");

    /// <summary>Hands every saved key state of <paramref name="windows"/> to <paramref name="restore"/> (start, key, state).</summary>
    public static void ForEach(List<Window> windows, Action<long, TKey, TSaved> restore)
    {
        foreach (var window in windows)
            foreach (var (key, saved) in window.Keys) restore(window.Start, key, saved);
    }
}
