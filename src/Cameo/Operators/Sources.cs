using System.Text.Json;

namespace Cameo.Operators;

/// <summary>Where a query's records come from. Subclass to add a connector.</summary>
public abstract class Source<T>
{
    /// <summary>A short description for errors and reports.</summary>
    public abstract string Description { get; }

    /// <summary>How many instances may read this source in parallel (each gets a disjoint share).</summary>
    public virtual int MaxParallelism => 1;

    /// <summary>Opens the reader of instance <paramref name="instance"/> of <paramref name="parallelism"/>.</summary>
    public abstract SourceReader<T> Open(int instance, int parallelism, SourceContext context);
}

/// <summary>What a source may report besides records, and what it may learn of its query's end.</summary>
/// <param name="deadLetter">Keeps an input the source could not read.</param>
/// <param name="onQueryEnded">
/// Registers an action the runtime runs once the query has ended (true: every sink saw the end of
/// its input; false: it failed or was abandoned); null if the runtime does not run such actions.
/// </param>
public sealed class SourceContext(Action<DeadLetter> deadLetter, Action<Func<bool, ValueTask>>? onQueryEnded = null)
{
    /// <summary>Keeps an input that could not be turned into a record, so that nothing is lost silently.</summary>
    public void DeadLetter(DeadLetter letter) => deadLetter(letter);

    /// <summary>
    /// Runs <paramref name="action"/> once the query has ended, before its completion is reported:
    /// with true when every sink has processed everything the sources read (a broker may then be
    /// told the records are done), with false when the query failed or did not drain.
    /// </summary>
    /// <returns>False, and nothing registered, if the runtime running the source does not run such actions.</returns>
    public bool OnQueryEnded(Func<bool, ValueTask> action)
    {
        if (onQueryEnded is null) return false;
        onQueryEnded(action);
        return true;
    }
}

/// <summary>An input a source could not read, with where it was and why.</summary>
/// <param name="Source">The source's description.</param>
/// <param name="LineNumber">1-based line (or record) number.</param>
/// <param name="Input">The raw input (the query's metrics keep at most <see cref="Metrics.QueryMetrics.MaxDeadLetterInputLength"/> characters of it).</param>
/// <param name="Error">Why it was rejected.</param>
public sealed record DeadLetter(string Source, long LineNumber, string Input, string Error)
{
    /// <summary>Where the input is in its source, for sources that name positions (a broker's entry id); null otherwise.</summary>
    public string? Position { get; init; }
}

/// <summary>The outcome of one read.</summary>
/// <param name="Count">Records written into the buffers.</param>
/// <param name="Completed">True once the source has nothing more, ever.</param>
/// <param name="NotBefore">With <c>Count == 0</c> and not completed: the physical time (ticks) before which nothing is due.</param>
public readonly record struct SourceRead(int Count, bool Completed, long NotBefore = 0);

/// <summary>Reads records in batches. Called by one thread at a time.</summary>
public abstract class SourceReader<T> : IAsyncDisposable
{
    /// <summary>
    /// True if the reader stamps each record's physical arrival itself (a paced generator knows when
    /// each event was due); otherwise the runtime stamps records with the time they were read.
    /// </summary>
    public virtual bool StampsArrival => false;

    /// <summary>Reads up to <c>items.Length</c> records available at physical time <paramref name="now"/>.</summary>
    /// <param name="items">Buffer for records.</param>
    /// <param name="arrivals">Buffer for physical arrival times, if <see cref="StampsArrival"/>.</param>
    /// <param name="now">The current physical time, ticks.</param>
    /// <param name="cancellationToken">Stops the read.</param>
    public abstract ValueTask<SourceRead> ReadAsync(T[] items, long[] arrivals, long now, CancellationToken cancellationToken);

    public virtual ValueTask DisposeAsync() => ValueTask.CompletedTask;
}

/// <summary>Offered load over time: events per second, in steps.</summary>
public sealed class RateSchedule
{
    private readonly (double AtSecond, double EventsPerSecond)[] _steps;

    /// <param name="steps">From each second on (ascending), the rate that applies.</param>
    public RateSchedule(params (double AtSecond, double EventsPerSecond)[] steps)
    {
        if (steps.Length == 0) throw new ArgumentException("A rate schedule needs at least one step.", nameof(steps));
        _steps = [.. steps.OrderBy(s => s.AtSecond)];
    }

    public static RateSchedule Constant(double eventsPerSecond) => new((0, eventsPerSecond));

    /// <summary>
    /// If set, events arrive in bursts: every event due within a period arrives together at the
    /// period's end, as when a broker hands over what accumulated since the last poll.
    /// </summary>
    public TimeSpan? BurstPeriod { get; init; }

    /// <summary>This schedule, arriving in bursts every <paramref name="period"/>.</summary>
    public RateSchedule InBursts(TimeSpan period) => new(_steps) { BurstPeriod = period };

    /// <summary>Events per second at <paramref name="second"/> seconds after the start.</summary>
    public double RateAt(double second)
    {
        double rate = _steps[0].EventsPerSecond;
        foreach (var (at, r) in _steps)
        {
            if (at > second) break;
            rate = r;
        }
        return rate;
    }

    /// <summary>This schedule with every rate multiplied by <paramref name="factor"/>.</summary>
    public RateSchedule Scale(double factor) => new([.. _steps.Select(s => (s.AtSecond, s.EventsPerSecond * factor))]) { BurstPeriod = BurstPeriod };
}

/// <summary>
/// A paced generator: event <c>i</c> is due at a fixed offset from the start given by the rate
/// schedule, so that every run (and every scheduling policy) sees the same trace. A generator that
/// falls behind produces the overdue events with their original due times, so queueing before
/// ingestion is counted in latency rather than hidden.
/// </summary>
public sealed class GeneratorSource<T>(Func<long, long, T> factory, RateSchedule rate, long? count, string name) : Source<T>
{
    public override string Description => $"generator '{name}'";

    public override int MaxParallelism => int.MaxValue;

    public override SourceReader<T> Open(int instance, int parallelism, SourceContext context) =>
        new Reader(factory, rate, count, instance, parallelism);

    private sealed class Reader(Func<long, long, T> factory, RateSchedule rate, long? count, int instance, int parallelism) : SourceReader<T>
    {
        private long _start = long.MinValue;
        private long _next = instance; // next global event index owned by this instance
        private double _dueOffsetTicks; // due time of _next, relative to start

        public override bool StampsArrival => true;

        public override ValueTask<SourceRead> ReadAsync(T[] items, long[] arrivals, long now, CancellationToken cancellationToken)
        {
            if (_start == long.MinValue) { _start = now; _dueOffsetTicks = TicksBetween(instance); }
            int n = 0;
            while (n < items.Length)
            {
                if (count is { } total && _next >= total) return new(new SourceRead(n, n == 0));
                long due = _start + DueOffset();
                if (due > now) return new(new SourceRead(n, false, due));
                arrivals[n] = due;
                items[n] = factory(_next, Time.PhysicalTime.ToEventTime(due));
                n++;
                _next += parallelism;
                _dueOffsetTicks += TicksBetween(parallelism);
            }
            return new(new SourceRead(n, false));
        }

        private long DueOffset()
        {
            long offset = (long)_dueOffsetTicks;
            if (rate.BurstPeriod is not { Ticks: > 0 } period) return offset;
            return (offset + period.Ticks - 1) / period.Ticks * period.Ticks;
        }

        private double TicksBetween(long events)
        {
            double r = rate.RateAt(_dueOffsetTicks / TimeSpan.TicksPerSecond);
            return r <= 0 ? TimeSpan.TicksPerSecond : events * TimeSpan.TicksPerSecond / r;
        }
    }
}

/// <summary>Reads an in-memory sequence as fast as the query takes it.</summary>
public sealed class EnumerableSource<T>(IEnumerable<T> items, string name) : Source<T>
{
    public override string Description => $"sequence '{name}'";

    public override SourceReader<T> Open(int instance, int parallelism, SourceContext context) =>
        items is T[] array ? new ArrayReader(array) : new Reader(items.GetEnumerator());

    /// <summary>An array is copied in bulk, a batch at a time (what enumerating it would read, without two interface calls per record).</summary>
    private sealed class ArrayReader(T[] array) : SourceReader<T>
    {
        private int _next;

        public override ValueTask<SourceRead> ReadAsync(T[] items, long[] arrivals, long now, CancellationToken cancellationToken)
        {
            int n = Math.Min(items.Length, array.Length - _next);
            array.AsSpan(_next, n).CopyTo(items);
            _next += n;
            return new(new SourceRead(n, n < items.Length));
        }
    }

    private sealed class Reader(IEnumerator<T> e) : SourceReader<T>
    {
        public override ValueTask<SourceRead> ReadAsync(T[] items, long[] arrivals, long now, CancellationToken cancellationToken)
        {
            int n = 0;
            while (n < items.Length && e.MoveNext()) items[n++] = e.Current;
            return new(new SourceRead(n, n < items.Length));
        }

        public override ValueTask DisposeAsync()
        {
            e.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}

/// <summary>Reads an <see cref="IAsyncEnumerable{T}"/>; a read returns what is ready without waiting for a full batch.</summary>
public sealed class AsyncEnumerableSource<T>(IAsyncEnumerable<T> items, string name) : Source<T>
{
    public override string Description => $"async sequence '{name}'";

    public override SourceReader<T> Open(int instance, int parallelism, SourceContext context) => new Reader(items);

    private sealed class Reader(IAsyncEnumerable<T> items) : SourceReader<T>
    {
        private IAsyncEnumerator<T>? _e;
        private ValueTask<bool>? _pending;

        public override async ValueTask<SourceRead> ReadAsync(T[] buffer, long[] arrivals, long now, CancellationToken cancellationToken)
        {
            _e ??= items.GetAsyncEnumerator(cancellationToken);
            int n = 0;
            while (n < buffer.Length)
            {
                var next = _pending ?? _e.MoveNextAsync();
                _pending = null;
                if (n > 0 && !next.IsCompleted)
                {
                    _pending = next; // hand over what we have; finish this move on the next read
                    return new SourceRead(n, false);
                }
                if (!await next.ConfigureAwait(false)) return new SourceRead(n, true);
                buffer[n++] = _e.Current;
            }
            return new SourceRead(n, false);
        }

        public override async ValueTask DisposeAsync()
        {
            if (_e is not null) await _e.DisposeAsync().ConfigureAwait(false);
        }
    }
}

/// <summary>
/// Reads a JSON-lines file, one record per line. A line that does not parse goes to the query's
/// dead letters with its line number and the parser's message; the query goes on.
/// </summary>
public sealed class JsonLinesSource<T>(string path, JsonSerializerOptions? options) : Source<T>
{
    public override string Description => $"JSON-lines file '{path}'";

    public override SourceReader<T> Open(int instance, int parallelism, SourceContext context)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"JSON-lines source file '{path}' does not exist.", path);
        return new Reader(new StreamReader(path), options, context, Description);
    }

    private sealed class Reader(StreamReader reader, JsonSerializerOptions? options, SourceContext context, string description) : SourceReader<T>
    {
        private long _line;

        public override async ValueTask<SourceRead> ReadAsync(T[] items, long[] arrivals, long now, CancellationToken cancellationToken)
        {
            int n = 0;
            while (n < items.Length)
            {
                string? line = await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false);
                if (line is null) return new SourceRead(n, true);
                _line++;
                if (string.IsNullOrWhiteSpace(line)) continue;
                try
                {
                    var item = JsonSerializer.Deserialize<T>(line, options);
                    if (item is null) { context.DeadLetter(new DeadLetter(description, _line, line, "the line is JSON null")); continue; }
                    items[n++] = item;
                }
                catch (JsonException ex)
                {
                    context.DeadLetter(new DeadLetter(description, _line, line, ex.Message));
                }
            }
            return new SourceRead(n, false);
        }

        public override ValueTask DisposeAsync()
        {
            reader.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
