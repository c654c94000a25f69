using System.Text.Json;
using Cameo.Progress;

namespace Cameo.Operators;

/// <summary>
/// Keyed session windows in event time: a record stamped <c>t</c> opens the interval
/// <c>[t, t + gap)</c>; intervals of a key that overlap merge into one session
/// <c>[first record, last record + gap)</c>, so records less than <c>gap</c> apart share a session. A session fires once the watermark reaches its end
/// (the gap after its last record has passed with no record of the key), with the aggregate of its
/// records, stamped <c>end - 1</c>.
/// </summary>
/// <remarks>
/// <para>A record is late if the session it would form or join (merged) ends, plus
/// <paramref name="allowedLatenessMs"/>, at or before the watermark: it is counted, handed to
/// <see cref="Operator{TIn,TOut}.LateOutput"/> and never silently dropped. Within the allowed
/// lateness a fired session is kept: a record that extends it, or bridges it with another session,
/// updates it and the updated (merged) session is emitted at once if it has already ended. An
/// update supersedes the earlier results of the sessions it merged (same key, overlapping interval).</para>
/// <para>State: per key, its sessions with their records (plain lists), so merging needs no merge
/// function of the aggregate; the result is folded over the records when a session fires.</para>
/// </remarks>
public sealed class SessionWindowOperator<TIn, TKey, TAcc, TOut>(
    long gapMs,
    Func<TIn, TKey> keySelector,
    IAggregate<TIn, TAcc, TOut> aggregate,
    long allowedLatenessMs = 0) : Operator<TIn, WindowResult<TKey, TOut>>, ICheckpointedOperator
    where TKey : notnull
{
    /// <summary>The saved state: the watermark, the late count and every key's sessions.</summary>
    private sealed record Saved(long Watermark, long Late, List<KeyValuePair<TKey, List<SavedSession>>> Keys);

    private sealed record SavedSession(long Start, long End, List<TIn> Records, bool Emitted);

    /// <summary>One session of a key: its interval, its records, and whether its current content has been emitted.</summary>
    private sealed class Session
    {
        public long Start;
        public long End;
        public readonly List<TIn> Records = [];
        public bool Emitted;
        public bool Removed;
    }

    private readonly Dictionary<TKey, List<Session>> _sessions = [];
    private readonly PriorityQueue<(TKey Key, Session Session), long> _byEnd = new();   // sessions to fire, by end (stale entries skipped)
    private readonly PriorityQueue<(TKey Key, Session Session), long> _byPurge = new(); // fired sessions to drop, by end + allowed lateness
    private long _watermark = Watermark.None;

    /// <summary>Called with each late record (besides <see cref="Operator{TIn,TOut}.LateOutput"/>).</summary>
    public Action<TIn>? LateCallback { get; init; }

    /// <summary>Open sessions over all keys (fired ones kept for late updates included).</summary>
    public int OpenSessions => _sessions.Values.Sum(s => s.Count);

    public override void OnRecords(ReadOnlySpan<TIn> items, ReadOnlySpan<long> timestamps, IOutput<WindowResult<TKey, TOut>> output)
    {
        for (int i = 0; i < items.Length; i++) Add(items[i], timestamps[i], output);
    }

    private void Add(TIn item, long t, IOutput<WindowResult<TKey, TOut>> output)
    {
        TKey key = keySelector(item);
        if (!_sessions.TryGetValue(key, out var sessions)) _sessions[key] = sessions = [];
        long start = t, end = t + gapMs;
        foreach (var s in sessions)
            if (Touches(s, t)) { start = Math.Min(start, s.Start); end = Math.Max(end, s.End); }
        if (_watermark != Watermark.None && end + allowedLatenessMs <= _watermark)
        {
            if (sessions.Count == 0) _sessions.Remove(key);
            Late(item, t);
            LateCallback?.Invoke(item);
            return;
        }
        // Extend the first session it touches in place; fold any other it bridges into that one.
        Session? target = null;
        for (int j = sessions.Count - 1; j >= 0; j--)
        {
            var s = sessions[j];
            if (!Touches(s, t)) continue;
            if (target is null) { target = s; continue; }
            target.Records.AddRange(s.Records);
            s.Removed = true;
            sessions.RemoveAt(j);
        }
        bool moved = target is null || target.End != end;
        if (target is null) sessions.Add(target = new Session());
        target.Start = start;
        target.End = end;
        target.Records.Add(item);
        target.Emitted = false;
        if (_watermark != Watermark.None && end <= _watermark) Emit(key, target, output); // an update of an ended session goes out at once
        else if (moved) _byEnd.Enqueue((key, target), end);
    }

    /// <summary>
    /// Whether the interval of a record at <paramref name="t"/> overlaps <paramref name="s"/> (half-open
    /// intervals: a record exactly a gap after the last one opens a new session, so a session that
    /// ended at or before the watermark is never joined by a record not behind it).
    /// </summary>
    private bool Touches(Session s, long t) => s.Start < t + gapMs && t < s.End;

    public override void OnWatermark(long watermark, IOutput<WindowResult<TKey, TOut>> output)
    {
        _watermark = watermark;
        while (_byEnd.TryPeek(out var entry, out long end) && end <= watermark)
        {
            _byEnd.Dequeue();
            if (entry.Session.Removed || entry.Session.Emitted || entry.Session.End != end) continue; // merged, emitted, or moved on
            Emit(entry.Key, entry.Session, output);
        }
        while (_byPurge.TryPeek(out var entry, out long due) && (due <= watermark || watermark == Watermark.EndOfStream))
        {
            _byPurge.Dequeue();
            if (entry.Session.Removed || entry.Session.End + allowedLatenessMs != due) continue; // merged, or extended since it fired
            entry.Session.Removed = true;
            var sessions = _sessions[entry.Key];
            sessions.Remove(entry.Session);
            if (sessions.Count == 0) _sessions.Remove(entry.Key);
        }
    }

    /// <summary>The watermark, the late count and every session (fired ones kept for late updates included) with its records.</summary>
    public byte[] Snapshot(JsonSerializerOptions serializer) => Capture(serializer)();

    /// <summary>Copies every session and its record list, to be serialized later.</summary>
    public Func<byte[]> Capture(JsonSerializerOptions serializer)
    {
        var keys = new List<KeyValuePair<TKey, List<SavedSession>>>(_sessions.Count);
        foreach (var (key, sessions) in _sessions)
        {
            var saved = new List<SavedSession>(sessions.Count);
            foreach (var s in sessions) saved.Add(new SavedSession(s.Start, s.End, [.. s.Records], s.Emitted));
            keys.Add(KeyValuePair.Create(key, saved));
        }
        var snapshot = new Saved(_watermark, LateRecords, keys);
        return () => JsonSerializer.SerializeToUtf8Bytes(snapshot, serializer);
    }

    /// <summary>Puts the sessions back; each waits to fire at its end, or, if fired, to be dropped after the allowed lateness.</summary>
    public void Restore(byte[] state, JsonSerializerOptions serializer)
    {
        var saved = JsonSerializer.Deserialize<Saved>(state, serializer) ?? throw new InvalidDataException("Empty session state.");
        _sessions.Clear();
        _byEnd.Clear();
        _byPurge.Clear();
        _watermark = saved.Watermark;
        LateRecords = saved.Late;
        foreach (var (key, sessions) in saved.Keys)
        {
            var restored = _sessions[key] = new List<Session>(sessions.Count);
            foreach (var s in sessions)
            {
                var session = new Session { Start = s.Start, End = s.End, Emitted = s.Emitted };
                session.Records.AddRange(s.Records);
                restored.Add(session);
                if (s.Emitted) _byPurge.Enqueue((key, session), s.End + allowedLatenessMs);
                else _byEnd.Enqueue((key, session), s.End);
            }
        }
    }

    private void Emit(TKey key, Session s, IOutput<WindowResult<TKey, TOut>> output)
    {
        var acc = aggregate.Create();
        foreach (var r in s.Records) acc = aggregate.Add(acc, r);
        output.Emit(new WindowResult<TKey, TOut>(key, s.Start, s.End, aggregate.Result(acc)), s.End - 1);
        s.Emitted = true;
        _byPurge.Enqueue((key, s), s.End + allowedLatenessMs);
    }
}
