using System.Diagnostics;
using Cameo.Checkpoints;
using Cameo.Operators;
using Cameo.Workloads.Bench;

namespace Cameo.Workloads.Durability;

/// <summary>What <c>cameo bench recovery</c> runs.</summary>
/// <param name="StateMb">About how much window state to hold (the size of a checkpoint on disk).</param>
/// <param name="Directory">Where the checkpoints and results.json go.</param>
/// <param name="Workers">The engine's worker threads.</param>
/// <param name="Keys">Keys in the window; default from <paramref name="StateMb"/> (<see cref="BytesPerKey"/> each).</param>
public sealed record RecoveryBenchSettings(int StateMb, string Directory, int Workers, int? Keys = null)
{
    /// <summary>About how many bytes a key's window state takes in a checkpoint (its key and its <see cref="KeyStats"/>, as JSON).</summary>
    public const int BytesPerKey = 75;

    /// <summary>Keys in the window.</summary>
    public int KeyCount => Keys ?? (int)Math.Max(1, StateMb * 1_000_000L / BytesPerKey);

    /// <summary>Why these settings cannot run, or null.</summary>
    public string? Problem() =>
        StateMb < 1 && Keys is null ? "--state-mb must be at least 1."
        : Keys is < 1 ? "keys must be at least 1."
        : Workers < 1 ? "--workers must be at least 1."
        : null;
}

/// <summary>A key's state in the recovery bench's window: how many events, their ids' sum, smallest and largest.</summary>
public readonly record struct KeyStats(long Count, long Sum, long Min, long Max)
{
    /// <summary>No event yet.</summary>
    public static KeyStats Empty => new(0, 0, long.MaxValue, long.MinValue);

    /// <summary>With one more event.</summary>
    public KeyStats Add(long id) => new(Count + 1, Sum + id, Math.Min(Min, id), Math.Max(Max, id));
}

/// <summary>The outcome of <c>cameo bench recovery</c>; serialized as results.json.</summary>
/// <param name="Keys">Keys in the window.</param>
/// <param name="CheckpointBytes">The restored checkpoint's size on disk.</param>
/// <param name="FillSeconds">From the start of the first engine until it had checkpointed the whole window.</param>
/// <param name="RestoredFrom">The checkpoint the second engine resumed from.</param>
/// <param name="RestoreSeconds">From the creation of the second engine until its source's first read (every instance restored).</param>
/// <param name="FirstOutputSeconds">From the creation of the second engine to its first output.</param>
/// <param name="AllOutputsSeconds">From the creation of the second engine to its last output of the window.</param>
/// <param name="StoreReadSeconds">Reading every part of the checkpoint the second engine restores through the store (checksums checked), once between the two engines, from a warm file cache: the store's share of the restore.</param>
/// <param name="Outputs">Results of the window after the restart.</param>
/// <param name="Correct">Every key's result is the one the input gives: nothing lost or counted twice across the restart.</param>
public sealed record RecoveryBenchResult(int Keys, long CheckpointBytes, double FillSeconds, long RestoredFrom, double RestoreSeconds, double FirstOutputSeconds,
    double AllOutputsSeconds, double StoreReadSeconds, long Outputs, bool Correct)
{
    /// <summary>The target: emitting again within this long of the restart.</summary>
    public const double TargetSeconds = 5;

    /// <summary>The verdicts: first output within <see cref="TargetSeconds"/>, results correct; the restore's parts beside them.</summary>
    public IReadOnlyList<Verdict> Verdicts() =>
    [
        new($"recovery of {CheckpointBytes / 1e6:0.#} MB of window state ({Keys:N0} keys): first output {FirstOutputSeconds:0.00} s after the restart (target at most {TargetSeconds:0} s)", FirstOutputSeconds <= TargetSeconds),
        new($"every key's result equal to the input's after the restart ({Outputs:N0} results)", Correct),
        new($"restore complete (source reading) {RestoreSeconds:0.00} s after the restart, of which reading the checkpoint from the store {StoreReadSeconds:0.00} s; every result out {AllOutputsSeconds:0.00} s after it", null, Target: false),
    ];
}

/// <summary>
/// <c>cameo bench recovery</c>: a windowed aggregate (one hour, tumbling) over one event per key fills
/// a window holding <see cref="RecoveryBenchSettings.KeyCount"/> keys, checkpointed to a
/// <see cref="DirectoryStateStore"/>; once a checkpoint covers the whole window the engine is stopped
/// (in process) and a new engine is started on the same store, its source going on with events past
/// the window's end, which fire it. Measures from the new engine's creation to its source's first read
/// (every instance restored) and to its first and last output, and checks every result.
/// </summary>
public static class RecoveryBench
{
    /// <summary>The query's name (in the store).</summary>
    public const string QueryName = "recovery";

    /// <summary>The event time of the window's events: the start of an hour.</summary>
    public const long WindowStartMs = 1_699_999_200_000;

    /// <summary>The window.</summary>
    public static readonly TimeSpan Window = TimeSpan.FromHours(1);

    /// <summary>Events after the window's end that the restarted engine reads (they fire the window).</summary>
    public const int ClosingEvents = 1000;

    /// <summary>Longest wait for the first engine to checkpoint the filled window, and for the second to emit every result.</summary>
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(5);

    /// <summary>Runs the bench; <paramref name="log"/> gets a line per phase; <paramref name="observe"/>, if given, every result after the restart.</summary>
    public static async Task<RecoveryBenchResult> RunAsync(RecoveryBenchSettings settings, Action<string> log, CancellationToken cancellationToken,
        Action<WindowResult<int, KeyStats>>? observe = null)
    {
        if (settings.Problem() is { } problem) throw new ArgumentException(problem, nameof(settings));
        int keys = settings.KeyCount;
        string state = Path.Combine(Path.GetFullPath(settings.Directory), "state");
        if (System.IO.Directory.Exists(state)) System.IO.Directory.Delete(state, recursive: true);
        var store = new DirectoryStateStore(state);
        var checkpoints = new CheckpointOptions { Store = store, Interval = TimeSpan.FromSeconds(1), Keep = 1 };

        // Phase 1: fill the window and checkpoint it.
        var clock = Stopwatch.StartNew();
        var filling = new WindowStateSource(keys, keys);
        await using (var engine = new CameoEngine(new EngineOptions { Workers = settings.Workers, Checkpoints = checkpoints }))
        {
            var handle = AddQuery(engine, filling, _ => { });
            engine.Start();
            await WaitAsync(() => filling.Probe.Read >= keys || handle.Completion.IsCompleted, "the window to fill", cancellationToken).ConfigureAwait(false);
            Rethrow(handle);
            // A checkpoint that completes after one that started once everything was read covers the whole window.
            long covering = handle.LastCheckpoint + 2;
            await WaitAsync(() => handle.LastCheckpoint >= covering || handle.Completion.IsCompleted, "a checkpoint of the whole window", cancellationToken).ConfigureAwait(false);
            Rethrow(handle);
            log($"filled {keys:N0} keys and checkpointed them (checkpoint {handle.LastCheckpoint}) in {clock.Elapsed.TotalSeconds:0.00} s; stopping the engine");
            await engine.StopAsync(TimeSpan.Zero).ConfigureAwait(false);
        }
        double fillSeconds = clock.Elapsed.TotalSeconds;
        var (bytes, storeRead) = await ReadBackAsync(store, cancellationToken).ConfigureAwait(false);
        GC.Collect();
        GC.WaitForPendingFinalizers();

        // Phase 2: a new engine on the same store, its source going on past the window (and no
        // checkpoint of its own while it is measured).
        checkpoints = new CheckpointOptions { Store = store, Interval = Patience, Keep = 1 };
        var results = new ResultTally(keys, observe);
        var resumed = new WindowStateSource(keys, keys + ClosingEvents);
        clock.Restart();
        long restoredFrom;
        await using (var engine = new CameoEngine(new EngineOptions { Workers = settings.Workers, Checkpoints = checkpoints }))
        {
            var handle = AddQuery(engine, resumed, r => results.Add(r, clock.Elapsed.TotalSeconds));
            engine.Start();
            await WaitAsync(() => results.Count >= keys || handle.Completion.IsCompleted, "every result after the restart", cancellationToken).ConfigureAwait(false);
            Rethrow(handle);
            restoredFrom = handle.Checkpoints?.RestoredFrom ?? 0;
            await engine.StopAsync(TimeSpan.Zero).ConfigureAwait(false);
        }
        double restore = resumed.Probe.FirstReadSeconds(clock) ?? double.NaN;
        log($"restarted from checkpoint {restoredFrom}: source reading after {restore:0.00} s, first output after {results.FirstSeconds:0.00} s, all {results.Count:N0} after {results.LastSeconds:0.00} s");

        return new RecoveryBenchResult(keys, bytes, Math.Round(fillSeconds, 3), restoredFrom, Math.Round(restore, 3), Math.Round(results.FirstSeconds, 3),
            Math.Round(results.LastSeconds, 3), Math.Round(storeRead, 3), results.Count, restoredFrom > 0 && results.Correct(keys));
    }

    /// <summary>The size on disk of the last completed checkpoint, and the time to read every part of it back through the store (checksums checked).</summary>
    private static async Task<(long Bytes, double Seconds)> ReadBackAsync(DirectoryStateStore store, CancellationToken cancellationToken)
    {
        var completed = await store.CompletedAsync(QueryName, cancellationToken).ConfigureAwait(false);
        if (completed.Count == 0) throw new InvalidOperationException("The first engine completed no checkpoint.");
        long bytes = 0;
        var read = Stopwatch.StartNew();
        foreach (var file in System.IO.Directory.GetFiles(store.CheckpointDirectory(QueryName, completed[0]), "*.state"))
        {
            bytes += new FileInfo(file).Length;
            await store.ReadAsync(QueryName, completed[0], int.Parse(Path.GetFileNameWithoutExtension(file), System.Globalization.CultureInfo.InvariantCulture), cancellationToken).ConfigureAwait(false);
        }
        return (bytes, read.Elapsed.TotalSeconds);
    }

    /// <summary>The same query without a restart (no checkpoints), its source reading the window and the closing events at once: what <see cref="RunAsync"/> must emit after its restart.</summary>
    public static async Task RunWithoutRestartAsync(int keys, int workers, Action<WindowResult<int, KeyStats>> observe, CancellationToken cancellationToken)
    {
        var source = new WindowStateSource(keys, keys + ClosingEvents);
        int count = 0;
        await using var engine = new CameoEngine(new EngineOptions { Workers = workers });
        var handle = AddQuery(engine, source, r =>
        {
            observe(r);
            Interlocked.Increment(ref count);
        });
        engine.Start();
        await WaitAsync(() => Volatile.Read(ref count) >= keys || handle.Completion.IsCompleted, "every result", cancellationToken).ConfigureAwait(false);
        Rethrow(handle);
        await engine.StopAsync(TimeSpan.Zero).ConfigureAwait(false);
    }

    /// <summary>The expected result of <paramref name="key"/>: event ids key, key + keys, ... below the fill (one per key).</summary>
    public static KeyStats Expected(int key) => KeyStats.Empty.Add(key);

    private static QueryHandle AddQuery(CameoEngine engine, WindowStateSource source, Action<WindowResult<int, KeyStats>> sink) =>
        engine.AddQuery(QueryName, TimeSpan.FromSeconds(10), q => q
            .From(source)
            .WithEventTime(e => e.TimeMs, TimeSpan.Zero)
            .KeyBy(e => e.Key)
            .Window(Window)
            .Aggregate(() => KeyStats.Empty, (s, e) => s.Add(e.Id), s => s)
            .WithParallelism(2)
            .Where(r => r.Start == WindowStartMs) // the closing events' window never fires
            .To(sink));

    private static async Task WaitAsync(Func<bool> done, string what, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        while (!done())
        {
            if (deadline.Elapsed > Patience) throw new InvalidOperationException($"Gave up waiting for {what} after {Patience.TotalSeconds:0} s.");
            await Task.Delay(5, cancellationToken).ConfigureAwait(false);
        }
    }

    private static void Rethrow(QueryHandle handle)
    {
        if (handle.Failure is { } failure) throw new InvalidOperationException($"The query failed: {failure.Message}", failure);
    }

    /// <summary>Counts the window's results and checks each against <see cref="Expected"/>; one writer (the sink).</summary>
    private sealed class ResultTally(int keys, Action<WindowResult<int, KeyStats>>? observe)
    {
        private readonly bool[] _seen = new bool[keys];
        private int _count;
        private long _wrong;

        public int Count => Volatile.Read(ref _count);

        public double FirstSeconds { get; private set; } = double.NaN;

        public double LastSeconds { get; private set; } = double.NaN;

        public void Add(WindowResult<int, KeyStats> result, double at)
        {
            observe?.Invoke(result);
            if (double.IsNaN(FirstSeconds)) FirstSeconds = at;
            LastSeconds = at;
            if ((uint)result.Key >= (uint)_seen.Length || _seen[result.Key] || result.Value != Expected(result.Key)) _wrong++;
            else _seen[result.Key] = true;
            Interlocked.Increment(ref _count);
        }

        public bool Correct(int expected) => _wrong == 0 && Count == expected;
    }
}

/// <summary>
/// The recovery bench's input: events 0 to <c>fill - 1</c> fill the window (event i: key i mod keys,
/// time in the window's first second), then the closing events up to <c>limit</c> fall an hour after
/// it; past <c>limit</c> the source idles (it never ends, so the window fires only from the closing
/// events). Checkpointed: its position is the next event's index.
/// </summary>
internal sealed class WindowStateSource(int keys, long limit) : Source<StreamEvent>
{
    /// <summary>What the reader did, for the bench to watch.</summary>
    public SourceProbe Probe { get; } = new();

    public override string Description => "recovery bench input";

    public override SourceReader<StreamEvent> Open(int instance, int parallelism, SourceContext context) => new Reader(keys, limit, Probe);

    private sealed class Reader(int keys, long limit, SourceProbe probe) : SourceReader<StreamEvent>, ICheckpointedReader
    {
        private long _next;

        public byte[] Position => BitConverter.GetBytes(_next);

        public ValueTask RestoreAsync(byte[] position, CancellationToken cancellationToken)
        {
            _next = BitConverter.ToInt64(position);
            return ValueTask.CompletedTask;
        }

        public ValueTask OnCheckpointCompletedAsync(long checkpointId, byte[] position, CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public override ValueTask<SourceRead> ReadAsync(StreamEvent[] items, long[] arrivals, long now, CancellationToken cancellationToken)
        {
            probe.Reading();
            int n = 0;
            while (n < items.Length && _next < limit)
            {
                long i = _next++;
                items[n++] = i < keys
                    ? new StreamEvent(i, (int)(i % keys), RecoveryBench.WindowStartMs + (i % 1000))
                    : new StreamEvent(i, (int)(i % keys), RecoveryBench.WindowStartMs + (long)RecoveryBench.Window.TotalMilliseconds + (i - keys));
            }
            probe.Add(n);
            return ValueTask.FromResult(n > 0 ? new SourceRead(n, false) : new SourceRead(0, false, now + TimeSpan.TicksPerMillisecond * 10));
        }
    }
}

/// <summary>When a source first read, and how many records it returned.</summary>
internal sealed class SourceProbe
{
    private long _firstRead = -1;
    private long _read;

    /// <summary>Records returned so far.</summary>
    public long Read => Interlocked.Read(ref _read);

    public void Reading() => Interlocked.CompareExchange(ref _firstRead, Stopwatch.GetTimestamp(), -1);

    public void Add(int records) => Interlocked.Add(ref _read, records);

    /// <summary>Seconds from <paramref name="clock"/>'s start to the first read, or null before it.</summary>
    public double? FirstReadSeconds(Stopwatch clock)
    {
        long first = Interlocked.Read(ref _firstRead);
        if (first < 0) return null;
        long clockStart = Stopwatch.GetTimestamp() - clock.ElapsedTicks;
        return (first - clockStart) / (double)Stopwatch.Frequency;
    }
}
