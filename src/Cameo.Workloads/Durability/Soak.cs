using System.Diagnostics;
using Cameo.Checkpoints;
using Cameo.Operators;
using Cameo.Redis;
using Cameo.Workloads.Bench;
using StackExchange.Redis;

namespace Cameo.Workloads.Durability;

/// <summary>What <c>cameo soak</c> runs.</summary>
/// <param name="Minutes">How long the soak runs (after calibration).</param>
/// <param name="Load">The writer's rate as a fraction of the calibrated capacity.</param>
/// <param name="Redis">An existing server (host:port), or null to start a <c>redis-server</c> child process.</param>
/// <param name="Directory">Where the checkpoints (DIR/state), results.json and the plot go.</param>
/// <param name="SampleSeconds">Time between two samples of the working set.</param>
/// <param name="CalibrationEvents">Entries the capacity is measured on.</param>
/// <param name="Workers">The engine's worker threads.</param>
public sealed record SoakSettings(double Minutes, double Load, string? Redis, string Directory, double SampleSeconds, int CalibrationEvents, int Workers)
{
    /// <summary>Why these settings cannot run, or null.</summary>
    public string? Problem() =>
        Minutes <= 0 ? "--minutes must be positive."
        : Load is <= 0 or > 1 ? "--load must be in (0, 1]."
        : SampleSeconds <= 0 ? "--sample-seconds must be positive."
        : SampleSeconds * 4 > Minutes * 60 ? "--minutes must hold at least four samples."
        : CalibrationEvents < 1000 ? "--calibration-events must be at least 1000."
        : Workers < 1 ? "--workers must be at least 1."
        : null;
}

/// <summary>One sample of the soaking process.</summary>
/// <param name="Seconds">Since the soak's start.</param>
/// <param name="WorkingSetMb">The process's working set.</param>
/// <param name="ManagedMb">The managed heap after the last collection.</param>
/// <param name="Written">Entries the writer added so far.</param>
/// <param name="Read">Entries the query read so far.</param>
/// <param name="Checkpoint">The last completed checkpoint.</param>
public sealed record SoakSample(double Seconds, double WorkingSetMb, double ManagedMb, long Written, long Read, long Checkpoint);

/// <summary>The outcome of <c>cameo soak</c>; serialized as results.json.</summary>
/// <param name="Minutes">As asked.</param>
/// <param name="Load">As asked.</param>
/// <param name="CapacityEventsPerSecond">The query's calibrated capacity (entries read from Redis per second).</param>
/// <param name="RateEventsPerSecond">The writer's rate: load x capacity.</param>
/// <param name="GrowthLastHalf">Working-set growth over the soak's second half (see <see cref="SoakGrowth"/>).</param>
/// <param name="ManagedGrowthLastHalf">The same for the managed heap.</param>
/// <param name="Checkpoints">Checkpoints completed.</param>
/// <param name="Lag">Entries written and not read at the end.</param>
/// <param name="Samples">Every sample.</param>
public sealed record SoakResult(double Minutes, double Load, double CapacityEventsPerSecond, double RateEventsPerSecond, double GrowthLastHalf, double ManagedGrowthLastHalf,
    long Checkpoints, long Lag, IReadOnlyList<SoakSample> Samples)
{
    /// <summary>The target: the working set grows less than this over the second half.</summary>
    public const double TargetGrowth = 0.05;

    /// <summary>The verdicts: growth under <see cref="TargetGrowth"/>; the numbers beside it.</summary>
    public IReadOnlyList<Verdict> Verdicts()
    {
        var last = Samples[^1];
        double halfMinutes = Minutes / 2;
        return
        [
            new($"working set over the last {halfMinutes:0.#} min: growth {Format.Pct(GrowthLastHalf, 1)} (target under {Format.Pct(TargetGrowth)}; {Samples[Samples.Count / 2].WorkingSetMb:0} MB at half time, {last.WorkingSetMb:0} MB at the end)", GrowthLastHalf < TargetGrowth),
            new($"managed heap over the last {halfMinutes:0.#} min: growth {Format.Pct(ManagedGrowthLastHalf, 1)}; {Checkpoints} checkpoints; {last.Read:N0} of {last.Written:N0} entries read at {RateEventsPerSecond:N0} events/s ({Format.Pct(Load)} of {CapacityEventsPerSecond:N0})", null, Target: false),
        ];
    }
}

/// <summary>How much a sampled series grows over its second half.</summary>
public static class SoakGrowth
{
    /// <summary>
    /// The growth of <paramref name="values"/> (sampled at <paramref name="seconds"/>) over the second
    /// half of the time they cover: the least-squares line through the samples of that half, its rise
    /// over the half divided by its value at the half's start. A line rather than two end points, so
    /// that one collection's dip or one burst's peak does not decide the verdict. 0 with fewer than two samples in the half.
    /// </summary>
    public static double OverLastHalf(IReadOnlyList<double> seconds, IReadOnlyList<double> values)
    {
        if (seconds.Count != values.Count) throw new ArgumentException("One value per time.", nameof(values));
        if (seconds.Count == 0) return 0;
        double start = seconds[0], end = seconds[^1], half = (start + end) / 2;
        var points = Enumerable.Range(0, seconds.Count).Where(i => seconds[i] >= half).Select(i => (X: seconds[i], Y: values[i])).ToList();
        if (points.Count < 2) return 0;
        double meanX = points.Average(p => p.X), meanY = points.Average(p => p.Y);
        double sxx = points.Sum(p => (p.X - meanX) * (p.X - meanX));
        if (sxx == 0) return 0;
        double slope = points.Sum(p => (p.X - meanX) * (p.Y - meanY)) / sxx;
        double atHalf = meanY + (slope * (half - meanX));
        return atHalf <= 0 ? 0 : slope * (end - half) / atHalf;
    }
}

/// <summary>
/// <c>cameo soak</c>: a checkpointed query from a Redis stream to a Redis stream (a windowed count per
/// key, one-second tumbling windows) fed by a writer at <see cref="SoakSettings.Load"/> of the
/// query's calibrated capacity, for <see cref="SoakSettings.Minutes"/>, sampling the process's working
/// set and managed heap. Every structure is bounded: the writer trims the input
/// (<c>XADD ... MAXLEN ~</c>), the sink trims the output, checkpoints acknowledge what they cover (so
/// the group's pending list and the source's id list stay short) and the store keeps the last three.
/// </summary>
public static class Soak
{
    /// <summary>Keys the input spreads over.</summary>
    public const int Keys = 1000;

    /// <summary>Entries each stream keeps at most (about: <c>MAXLEN ~</c>).</summary>
    public const long StreamLength = 100_000;

    /// <summary>Runs the soak; <paramref name="log"/> gets the calibration and a line per sample; <paramref name="sampled"/> each sample.</summary>
    public static async Task<SoakResult> RunAsync(SoakSettings settings, Action<string> log, Action<SoakSample>? sampled, CancellationToken cancellationToken)
    {
        if (settings.Problem() is { } problem) throw new ArgumentException(problem, nameof(settings));
        string directory = Path.GetFullPath(settings.Directory);
        string state = Path.Combine(directory, "state");
        if (System.IO.Directory.Exists(state)) System.IO.Directory.Delete(state, recursive: true);
        await using var owned = settings.Redis is null ? await RedisServerProcess.StartAsync(cancellationToken).ConfigureAwait(false) : null;
        string endpoint = settings.Redis ?? owned!.Endpoint;
        if (owned is not null) log($"started redis-server on {endpoint}");
        await using var redis = await ConnectionMultiplexer.ConnectAsync(endpoint).ConfigureAwait(false);
        var db = redis.GetDatabase();
        string prefix = $"cameo-soak:{Guid.NewGuid():N}";
        try
        {
            double capacity = await CalibrateAsync(db, endpoint, $"{prefix}:calibration", settings, cancellationToken).ConfigureAwait(false);
            double rate = capacity * settings.Load;
            log($"capacity {capacity:N0} events/s (Redis stream in, checkpointed windowed count, Redis stream out); writing at {rate:N0} events/s for {settings.Minutes:0.#} min");

            string input = $"{prefix}:in", output = $"{prefix}:out";
            var checkpoints = new CheckpointOptions { Store = new DirectoryStateStore(state), Interval = TimeSpan.FromSeconds(2) };
            await using var engine = new CameoEngine(new EngineOptions { Workers = settings.Workers, Checkpoints = checkpoints });
            var handle = AddQuery(engine, endpoint, input, output, stopWhenEmpty: false);
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            long written = 0;
            var writer = WriteAsync(db, input, rate, () => Interlocked.Read(ref written), n => Interlocked.Add(ref written, n), stop.Token);
            engine.Start();

            var samples = new List<SoakSample>();
            var clock = Stopwatch.StartNew();
            var duration = TimeSpan.FromMinutes(settings.Minutes);
            using var process = Process.GetCurrentProcess();
            while (true)
            {
                process.Refresh();
                var sample = new SoakSample(Math.Round(clock.Elapsed.TotalSeconds, 2), Math.Round(process.WorkingSet64 / 1048576.0, 1), Math.Round(GC.GetGCMemoryInfo().HeapSizeBytes / 1048576.0, 1),
                    Interlocked.Read(ref written), handle.OperatorCosts().Where(c => c.Kind == Dataflow.NodeKind.Source).Sum(c => c.Records), handle.LastCheckpoint);
                samples.Add(sample);
                sampled?.Invoke(sample);
                if (handle.Completion.IsCompleted || writer.IsCompleted || clock.Elapsed >= duration) break;
                var next = TimeSpan.FromSeconds(samples.Count * settings.SampleSeconds) - clock.Elapsed;
                if (next > TimeSpan.Zero) await Task.Delay(next, cancellationToken).ConfigureAwait(false);
            }
            await stop.CancelAsync().ConfigureAwait(false);
            try { await writer.ConfigureAwait(false); } catch (OperationCanceledException) { }
            if (handle.Failure is { } failure) throw new InvalidOperationException($"The soak query failed: {failure.Message}", failure);
            await engine.StopAsync().ConfigureAwait(false);

            var seconds = samples.Select(s => s.Seconds).ToList();
            var last = samples[^1];
            return new SoakResult(settings.Minutes, settings.Load, Math.Round(capacity, 1), Math.Round(rate, 1),
                Math.Round(SoakGrowth.OverLastHalf(seconds, [.. samples.Select(s => s.WorkingSetMb)]), 4),
                Math.Round(SoakGrowth.OverLastHalf(seconds, [.. samples.Select(s => s.ManagedMb)]), 4),
                last.Checkpoint, last.Written - last.Read, samples);
        }
        finally
        {
            if (owned is null) await db.KeyDeleteAsync([$"{prefix}:in", $"{prefix}:out", $"{prefix}:calibration", $"{prefix}:calibration:out"]).ConfigureAwait(false);
        }
    }

    /// <summary>The soak's query on a preloaded stream read to its end, checkpointed like the soak: entries read per second.</summary>
    private static async Task<double> CalibrateAsync(IDatabase db, string endpoint, string stream, SoakSettings settings, CancellationToken cancellationToken)
    {
        long now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        const int Pipeline = 1000;
        var sent = new List<Task>(Pipeline);
        for (int i = 0; i < settings.CalibrationEvents; i++)
        {
            sent.Add(db.StreamAddAsync(stream, "data", new StreamEvent(i, i % Keys, now + (i / 100)).ToUtf8()));
            if (sent.Count == Pipeline)
            {
                await Task.WhenAll(sent).ConfigureAwait(false);
                sent.Clear();
            }
        }
        await Task.WhenAll(sent).ConfigureAwait(false);
        string state = Path.Combine(Path.GetFullPath(settings.Directory), "calibration-state");
        if (System.IO.Directory.Exists(state)) System.IO.Directory.Delete(state, recursive: true);
        var clock = Stopwatch.StartNew();
        await using (var engine = new CameoEngine(new EngineOptions
        {
            Workers = settings.Workers,
            Checkpoints = new CheckpointOptions { Store = new DirectoryStateStore(state), Interval = TimeSpan.FromSeconds(2) },
        }))
        {
            AddQuery(engine, endpoint, stream, $"{stream}:out", stopWhenEmpty: true);
            await engine.RunAsync(cancellationToken).ConfigureAwait(false);
        }
        double seconds = clock.Elapsed.TotalSeconds;
        return settings.CalibrationEvents / seconds;
    }

    private static QueryHandle AddQuery(CameoEngine engine, string endpoint, string input, string output, bool stopWhenEmpty) =>
        engine.AddQuery("soak", TimeSpan.FromSeconds(1), q => q
            .From(Source.RedisStream<StreamEvent>(endpoint, input, o =>
            {
                o.Group = "soak";
                o.StopWhenEmpty = stopWhenEmpty;
            }))
            .WithEventTime(e => e.TimeMs, TimeSpan.FromMilliseconds(200))
            .KeyBy(e => e.Key)
            .Window(TimeSpan.FromSeconds(1))
            .Count()
            .To(Sink.RedisStream<WindowResult<int, long>>(endpoint, output, o =>
            {
                o.Name = "soak";
                o.MaxLength = StreamLength;
                o.CommitMarkerExpiry = TimeSpan.FromMinutes(10);
            })));

    /// <summary>
    /// Appends entries at <paramref name="rate"/> per second (a batch every 10 ms, pipelined, each
    /// <c>XADD ... MAXLEN ~</c> <see cref="StreamLength"/>), event time the wall clock, until cancelled.
    /// </summary>
    private static async Task WriteAsync(IDatabase db, string stream, double rate, Func<long> written, Action<long> add, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var tick = TimeSpan.FromMilliseconds(10);
        var sent = new List<Task>();
        while (!cancellationToken.IsCancellationRequested)
        {
            long due = (long)(clock.Elapsed.TotalSeconds * rate);
            long from = written();
            long timeMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            for (long i = from; i < due; i++)
                sent.Add(db.StreamAddAsync(stream, "data", new StreamEvent(i, (int)(i % Keys), timeMs).ToUtf8(), maxLength: (int)StreamLength, useApproximateMaxLength: true));
            await Task.WhenAll(sent).ConfigureAwait(false);
            sent.Clear();
            add(Math.Max(0, due - from));
            try { await Task.Delay(tick, cancellationToken).ConfigureAwait(false); }
            catch (OperationCanceledException) { return; }
        }
    }
}
