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

    /// <summary>Serializes the windows (oldest first), each key's state through <paramref name="save"/>.</summary>
    public static byte[] Save<TState>(long watermark, long late,
        IEnumerable<KeyValuePair<long, Dictionary<TKey, TState>>> open, IEnumerable<KeyValuePair<long, Dictionary<TKey, TState>>> fired,
        Func<TState, TSaved> save, JsonSerializerOptions serializer)
    {
        List<Window> Windows(IEnumerable<KeyValuePair<long, Dictionary<TKey, TState>>> windows) =>
            [.. windows.Select(w => new Window(w.Key, [.. w.Value.Select(k => KeyValuePair.Create(k.Key, save(k.Value)))]))];
        return JsonSerializer.SerializeToUtf8Bytes(new WindowSnapshot<TKey, TSaved>(watermark, late, Windows(open), Windows(fired)), serializer);
    }

    /// <summary>Reads what <see cref="Save{TState}"/> wrote.</summary>
    public static WindowSnapshot<TKey, TSaved> Load(byte[] state, JsonSerializerOptions serializer) =>
        JsonSerializer.Deserialize<WindowSnapshot<TKey, TSaved>>(state, serializer) ?? throw new InvalidDataException("Empty window state.");

    /// <summary>Hands every saved key state of <paramref name="windows"/> to <paramref name="restore"/> (start, key, state).</summary>
    public static void ForEach(List<Window> windows, Action<long, TKey, TSaved> restore)
    {
        foreach (var window in windows)
            foreach (var (key, saved) in window.Keys) restore(window.Start, key, saved);
    }
}
