using Cameo.Operators;

namespace Cameo.Workloads.Ysb;

/// <summary>
/// A pre-generated YSB trace held in memory, in both forms (pre-parsed events and JSON lines in one
/// buffer), and sources that replay it as fast as a query takes it: the input of saturation runs,
/// where generating events on the fly would cost more than processing them.
/// </summary>
/// <remarks>
/// A replay loops over the trace; each pass is moved forward in event time by the trace's span so
/// that windows keep closing instead of every later pass turning late. The JSON bytes are shared by
/// all passes, so for raw lines the move rides on <see cref="YsbJsonLine.Timestamp"/>.
/// </remarks>
public sealed class YsbTrace
{
    private readonly YsbEvent[] _events;
    private readonly byte[] _json;
    private readonly int[] _lineStarts; // line i is _json[_lineStarts[i] .. _lineStarts[i + 1])

    /// <summary>Generates <paramref name="count"/> events, event <c>i</c> stamped <c>startMs + i / eventsPerMs</c>.</summary>
    /// <param name="generator">Makes the events.</param>
    /// <param name="count">Events in the trace.</param>
    /// <param name="startMs">Event time of the first event (Unix ms).</param>
    /// <param name="eventsPerSecond">Events per second of event time.</param>
    public YsbTrace(YsbGenerator generator, int count, long startMs, double eventsPerSecond)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(eventsPerSecond, 0);
        _events = new YsbEvent[count];
        _lineStarts = new int[count + 1];
        var json = new byte[(long)count * YsbGenerator.MaxLineBytes > Array.MaxLength ? Array.MaxLength : count * YsbGenerator.MaxLineBytes];
        int at = 0;
        for (int i = 0; i < count; i++)
        {
            long t = startMs + (long)(i * 1000.0 / eventsPerSecond);
            _events[i] = generator.Event(i, t);
            _lineStarts[i] = at;
            at += generator.WriteJson(i, t, json.AsSpan(at));
        }
        _lineStarts[count] = at;
        _json = json.AsSpan(0, at).ToArray();
        SpanMs = (long)(count * 1000.0 / eventsPerSecond) + 1;
    }

    public int Count => _events.Length;

    /// <summary>Event time covered by one pass, ms: what each replay pass adds to the stamps.</summary>
    public long SpanMs { get; }

    /// <summary>The events, pre-parsed.</summary>
    public ReadOnlySpan<YsbEvent> Events => _events;

    /// <summary>Line <paramref name="index"/>'s UTF-8 JSON.</summary>
    public ReadOnlySpan<byte> Line(int index) => _json.AsSpan(_lineStarts[index], _lineStarts[index + 1] - _lineStarts[index]);

    /// <summary>Bytes of JSON in the trace.</summary>
    public long JsonBytes => _json.Length;

    /// <summary>Replays the pre-parsed events; <paramref name="total"/> events, or until the query is stopped.</summary>
    public Replay<YsbEvent> ReplayEvents(long? total = null) => new EventReplay(this, total);

    /// <summary>Replays the JSON lines; <paramref name="total"/> lines, or until the query is stopped.</summary>
    public Replay<YsbJsonLine> ReplayJson(long? total = null) => new JsonReplay(this, total);

    /// <summary>A replay source of <see cref="YsbTrace"/>; counts what it has handed out.</summary>
    public abstract class Replay<T> : Source<T>
    {
        private readonly long? _total;
        private long _read;

        private protected Replay(YsbTrace trace, long? total)
        {
            Trace = trace;
            _total = total;
        }

        private protected YsbTrace Trace { get; }

        public override string Description => "YSB trace replay";

        /// <summary>Records handed to the query so far.</summary>
        public long Read => Volatile.Read(ref _read);

        public override SourceReader<T> Open(int instance, int parallelism, SourceContext context) => new Reader(this);

        /// <summary>Writes trace entries <paramref name="first"/>.. of pass <paramref name="pass"/> into <paramref name="items"/>.</summary>
        private protected abstract void Fill(Span<T> items, int first, long pass);

        private sealed class Reader(Replay<T> replay) : SourceReader<T>
        {
            private long _next;

            public override ValueTask<SourceRead> ReadAsync(T[] items, long[] arrivals, long now, CancellationToken cancellationToken)
            {
                int count = replay.Trace.Count;
                long end = _next + items.Length;
                if (replay._total is { } total) end = Math.Min(total, end);
                int n = 0;
                while (_next < end)
                {
                    int first = (int)(_next % count);
                    int chunk = (int)Math.Min(end - _next, count - first); // never across the end of a pass
                    replay.Fill(items.AsSpan(n, chunk), first, _next / count);
                    n += chunk;
                    _next += chunk;
                }
                Interlocked.Add(ref replay._read, n);
                return new(new SourceRead(n, replay._total is { } t && _next >= t));
            }
        }
    }

    private sealed class EventReplay(YsbTrace trace, long? total) : Replay<YsbEvent>(trace, total)
    {
        private protected override void Fill(Span<YsbEvent> items, int first, long pass)
        {
            Trace._events.AsSpan(first, items.Length).CopyTo(items);
            long shift = pass * Trace.SpanMs;
            if (shift == 0) return;
            foreach (ref var e in items) e = e with { EventTime = e.EventTime + shift };
        }
    }

    private sealed class JsonReplay(YsbTrace trace, long? total) : Replay<YsbJsonLine>(trace, total)
    {
        private protected override void Fill(Span<YsbJsonLine> items, int first, long pass)
        {
            long shift = pass * Trace.SpanMs;
            var starts = Trace._lineStarts;
            var events = Trace._events;
            for (int k = 0; k < items.Length; k++)
            {
                int i = first + k;
                items[k] = new YsbJsonLine(Trace._json, starts[i], starts[i + 1] - starts[i], events[i].EventTime + shift);
            }
        }
    }
}
