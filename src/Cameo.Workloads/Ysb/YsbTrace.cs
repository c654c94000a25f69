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
    public Replay<YsbEvent> ReplayEvents(long? total = null) =>
        new(total, (i, pass) => { var e = _events[i]; return e with { EventTime = e.EventTime + pass * SpanMs }; }, Count);

    /// <summary>Replays the JSON lines; <paramref name="total"/> lines, or until the query is stopped.</summary>
    public Replay<YsbJsonLine> ReplayJson(long? total = null) =>
        new(total, (i, pass) => new YsbJsonLine(_json, _lineStarts[i], _lineStarts[i + 1] - _lineStarts[i], _events[i].EventTime + pass * SpanMs), Count);

    /// <summary>A replay source; counts what it has handed out.</summary>
    public sealed class Replay<T> : Source<T>
    {
        private readonly long? _total;
        private readonly Func<int, long, T> _record;
        private readonly int _count;
        private long _read;

        internal Replay(long? total, Func<int, long, T> record, int count)
        {
            _total = total;
            _record = record;
            _count = count;
        }

        public override string Description => "YSB trace replay";

        /// <summary>Records handed to the query so far.</summary>
        public long Read => Volatile.Read(ref _read);

        public override SourceReader<T> Open(int instance, int parallelism, SourceContext context) => new Reader(this);

        private sealed class Reader(Replay<T> replay) : SourceReader<T>
        {
            private long _next;

            public override ValueTask<SourceRead> ReadAsync(T[] items, long[] arrivals, long now, CancellationToken cancellationToken)
            {
                long end = replay._total is { } total ? Math.Min(total, _next + items.Length) : _next + items.Length;
                int n = (int)(end - _next);
                long pass = _next / replay._count;
                int i = (int)(_next % replay._count);
                for (int k = 0; k < n; k++)
                {
                    items[k] = replay._record(i, pass);
                    if (++i == replay._count) { i = 0; pass++; }
                }
                _next = end;
                Interlocked.Add(ref replay._read, n);
                return new(new SourceRead(n, replay._total is { } t && _next >= t));
            }
        }
    }
}
