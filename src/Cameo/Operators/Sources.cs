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

    /// <summary>
    /// Its position is the next event's index and due offset; a restored generator goes on from that
    /// event at once, its schedule shifted to the restart (the same events, due from now on).
    /// </summary>
    private sealed class Reader(Func<long, long, T> factory, RateSchedule rate, long? count, int instance, int parallelism) : SourceReader<T>, ICheckpointedReader
    {
        private long _start = long.MinValue;
        private long _next = instance; // next global event index owned by this instance
        private double _dueOffsetTicks; // due time of _next, relative to start
        private bool _restored;

        public override bool StampsArrival => true;

        public byte[] Position => SourcePosition.Of(_next, BitConverter.DoubleToInt64Bits(_dueOffsetTicks));

        public ValueTask RestoreAsync(byte[] position, CancellationToken cancellationToken)
        {
            _next = SourcePosition.Read(position, 0);
            _dueOffsetTicks = BitConverter.Int64BitsToDouble(SourcePosition.Read(position, 1));
            _restored = true;
            return ValueTask.CompletedTask;
        }

        public ValueTask OnCheckpointCompletedAsync(long checkpointId, byte[] position, CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public override ValueTask<SourceRead> ReadAsync(T[] items, long[] arrivals, long now, CancellationToken cancellationToken)
        {
            if (_start == long.MinValue)
            {
                if (_restored) _start = now - (long)_dueOffsetTicks;
                else { _start = now; _dueOffsetTicks = TicksBetween(instance); }
            }
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
    private sealed class ArrayReader(T[] array) : SourceReader<T>, ICheckpointedReader
    {
        private int _next;

        public byte[] Position => SourcePosition.Of(_next);

        public ValueTask RestoreAsync(byte[] position, CancellationToken cancellationToken)
        {
            _next = (int)SourcePosition.Read(position, 0);
            return ValueTask.CompletedTask;
        }

        public ValueTask OnCheckpointCompletedAsync(long checkpointId, byte[] position, CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public override ValueTask<SourceRead> ReadAsync(T[] items, long[] arrivals, long now, CancellationToken cancellationToken)
        {
            int n = Math.Min(items.Length, array.Length - _next);
            array.AsSpan(_next, n).CopyTo(items);
            _next += n;
            return new(new SourceRead(n, n < items.Length));
        }
    }

    /// <summary>Its position is the number of items read; a restore skips as many (the sequence must enumerate the same items again).</summary>
    private sealed class Reader(IEnumerator<T> e) : SourceReader<T>, ICheckpointedReader
    {
        private long _read;

        public byte[] Position => SourcePosition.Of(_read);

        public ValueTask RestoreAsync(byte[] position, CancellationToken cancellationToken)
        {
            long skip = SourcePosition.Read(position, 0);
            while (_read < skip && e.MoveNext()) _read++;
            return ValueTask.CompletedTask;
        }

        public ValueTask OnCheckpointCompletedAsync(long checkpointId, byte[] position, CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public override ValueTask<SourceRead> ReadAsync(T[] items, long[] arrivals, long now, CancellationToken cancellationToken)
        {
            int n = 0;
            while (n < items.Length && e.MoveNext()) items[n++] = e.Current;
            _read += n;
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

    /// <summary>Its position is the number of items read; a restore skips as many (the sequence must produce the same items again).</summary>
    private sealed class Reader(IAsyncEnumerable<T> items) : SourceReader<T>, ICheckpointedReader
    {
        private IAsyncEnumerator<T>? _e;
        private ValueTask<bool>? _pending;
        private long _read;

        public byte[] Position => SourcePosition.Of(_read);

        public async ValueTask RestoreAsync(byte[] position, CancellationToken cancellationToken)
        {
            _e ??= items.GetAsyncEnumerator(cancellationToken);
            long skip = SourcePosition.Read(position, 0);
            while (_read < skip && await _e.MoveNextAsync().ConfigureAwait(false)) _read++;
        }

        public ValueTask OnCheckpointCompletedAsync(long checkpointId, byte[] position, CancellationToken cancellationToken) => ValueTask.CompletedTask;

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
                _read++;
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
/// dead letters with its line number and the parser's message; the query goes on. Its position in a
/// checkpoint is the byte offset after the last line read (and that line's number), so a recovered
/// query seeks straight there.
/// </summary>
public sealed class JsonLinesSource<T>(string path, JsonSerializerOptions? options) : Source<T>
{
    public override string Description => $"JSON-lines file '{path}'";

    public override SourceReader<T> Open(int instance, int parallelism, SourceContext context)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"JSON-lines source file '{path}' does not exist.", path);
        return new Reader(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 1, FileOptions.SequentialScan), options, context, Description);
    }

    /// <summary>Splits the file into lines itself (UTF-8 bytes, parsed without a string), so it knows the byte offset of every line.</summary>
    private sealed class Reader(FileStream file, JsonSerializerOptions? options, SourceContext context, string description) : SourceReader<T>, ICheckpointedReader
    {
        private static ReadOnlySpan<byte> Bom => [0xEF, 0xBB, 0xBF];
        private byte[] _buffer = new byte[1 << 16];
        private int _start, _end; // the bytes read but not yet consumed
        private long _offset;     // file offset of _buffer[_start]
        private long _line;       // lines consumed
        private bool _eof;

        public byte[] Position => SourcePosition.Of(_offset, _line);

        public ValueTask RestoreAsync(byte[] position, CancellationToken cancellationToken)
        {
            (_offset, _line) = (SourcePosition.Read(position, 0), SourcePosition.Read(position, 1));
            file.Position = _offset;
            _start = _end = 0;
            _eof = false;
            return ValueTask.CompletedTask;
        }

        public ValueTask OnCheckpointCompletedAsync(long checkpointId, byte[] position, CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public override async ValueTask<SourceRead> ReadAsync(T[] items, long[] arrivals, long now, CancellationToken cancellationToken)
        {
            int n = 0;
            while (true)
            {
                n = ParseBuffered(items, n);
                if (n == items.Length) return new SourceRead(n, false);
                if (_eof) return new SourceRead(n, true);
                await FillAsync(cancellationToken).ConfigureAwait(false);
            }
        }

        /// <summary>Parses the complete lines in the buffer (and, at the end of the file, the last one) until <paramref name="items"/> is full.</summary>
        private int ParseBuffered(T[] items, int n)
        {
            while (n < items.Length && _start < _end)
            {
                var rest = _buffer.AsSpan(_start, _end - _start);
                int newline = rest.IndexOf((byte)'\n');
                if (newline < 0 && !_eof) break;
                int length = newline < 0 ? rest.Length : newline;
                int consumed = newline < 0 ? rest.Length : newline + 1;
                var line = rest[..length];
                if (_offset == 0 && line.StartsWith(Bom)) line = line[Bom.Length..];
                if (line.Length > 0 && line[^1] == (byte)'\r') line = line[..^1];
                _start += consumed;
                _offset += consumed;
                _line++;
                if (line.Trim(" \t"u8).IsEmpty) continue;
                try
                {
                    var item = JsonSerializer.Deserialize<T>(line, options);
                    if (item is null) { context.DeadLetter(new DeadLetter(description, _line, System.Text.Encoding.UTF8.GetString(line), "the line is JSON null")); continue; }
                    items[n++] = item;
                }
                catch (JsonException ex)
                {
                    context.DeadLetter(new DeadLetter(description, _line, System.Text.Encoding.UTF8.GetString(line), ex.Message));
                }
            }
            return n;
        }

        /// <summary>Reads more of the file behind the unconsumed bytes, growing the buffer for a line longer than it.</summary>
        private async ValueTask FillAsync(CancellationToken cancellationToken)
        {
            int unconsumed = _end - _start;
            if (unconsumed == _buffer.Length) Array.Resize(ref _buffer, _buffer.Length * 2);
            else if (_start > 0) _buffer.AsSpan(_start, unconsumed).CopyTo(_buffer);
            _start = 0;
            _end = unconsumed;
            int read = await file.ReadAsync(_buffer.AsMemory(_end), cancellationToken).ConfigureAwait(false);
            if (read == 0) _eof = true;
            _end += read;
        }

        public override ValueTask DisposeAsync() => file.DisposeAsync();
    }
}

/// <summary>Encodes a source reader's position (a few longs) for a checkpoint.</summary>
internal static class SourcePosition
{
    public static byte[] Of(params ReadOnlySpan<long> values)
    {
        var bytes = new byte[values.Length * sizeof(long)];
        for (int i = 0; i < values.Length; i++) System.Buffers.Binary.BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(i * sizeof(long)), values[i]);
        return bytes;
    }

    public static long Read(byte[] position, int index) => System.Buffers.Binary.BinaryPrimitives.ReadInt64LittleEndian(position.AsSpan(index * sizeof(long)));
}
