using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Cameo.Operators;
using StackExchange.Redis;

namespace Cameo.Workloads.Chaos;

/// <summary>What <c>cameo chaos crash</c> runs.</summary>
/// <param name="Kills">How many times the worker is killed (SIGKILL) and restarted.</param>
/// <param name="Events">Input events, over both streams.</param>
/// <param name="Directory">Output files, checkpoints, worker logs and results.json.</param>
/// <param name="Redis">An existing server (host:port), or null to start a <c>redis-server</c> child process.</param>
/// <param name="Seed">Seeds the input and the kill moments.</param>
/// <param name="InputSeconds">The input is written over this long, while the worker reads it; the kills fall within it.</param>
/// <param name="CheckpointInterval">The worker's checkpoint interval.</param>
public sealed record ChaosCrashSettings(int Kills, int Events, string Directory, string? Redis, int Seed, double InputSeconds, TimeSpan CheckpointInterval)
{
    /// <summary>Why these settings cannot run, or null.</summary>
    public string? Problem() =>
        Kills < 0 ? "--kills must be at least 0."
        : Events < 1 ? "--events must be at least 1."
        : InputSeconds <= 0 ? "--seconds must be positive."
        : CheckpointInterval <= TimeSpan.Zero ? "--checkpoint-every must be positive."
        : null;
}

/// <summary>One start of the worker.</summary>
/// <param name="Run">0 for the first start, then one per kill.</param>
/// <param name="StartedAtSeconds">When it started, from the start of the input.</param>
/// <param name="RecoverySeconds">From its start to its first result (or its end, with nothing left to emit); null if killed before.</param>
/// <param name="KilledAtSeconds">When it was killed, or null for the run that finished.</param>
public sealed record ChaosRun(int Run, double StartedAtSeconds, double? RecoverySeconds, double? KilledAtSeconds);

/// <summary>The outcome of <c>cameo chaos crash</c>; serialized as results.json.</summary>
/// <param name="Kills">Times the worker was killed.</param>
/// <param name="Lost">Expected results missing, summed over the exactly-once sinks.</param>
/// <param name="Duplicated">Extra copies of results, summed over the exactly-once sinks.</param>
/// <param name="RecoverySecondsMax">The longest recovery after a kill (null without kills).</param>
/// <param name="Wrong">Results with a value the oracle does not give, summed over the sinks.</param>
/// <param name="Events"></param>
/// <param name="Seed"></param>
/// <param name="InputSeconds"></param>
/// <param name="CheckpointIntervalSeconds"></param>
/// <param name="Sinks">Per sink: expected, received, lost, duplicated, wrong.</param>
/// <param name="Runs">Every start of the worker.</param>
/// <param name="TotalSeconds">From the first start to the comparison.</param>
public sealed record ChaosCrashResult(
    int Kills,
    long Lost,
    long Duplicated,
    double? RecoverySecondsMax,
    long Wrong,
    int Events,
    int Seed,
    double InputSeconds,
    double CheckpointIntervalSeconds,
    IReadOnlyList<ChaosTally> Sinks,
    IReadOnlyList<ChaosRun> Runs,
    double TotalSeconds)
{
    /// <summary>True when every sink holds exactly the oracle's results.</summary>
    public bool Exact => Lost == 0 && Duplicated == 0 && Wrong == 0;
}

/// <summary>
/// <c>cameo chaos crash</c>: writes a seeded input into two Redis streams at a steady pace, runs
/// <see cref="ChaosWorker"/> in a child process, kills it with SIGKILL at random moments (each
/// kill in its own slice of the input's time, once the running worker has emitted a result, so
/// every restart is measured) and restarts it on the same checkpoints, lets the last start run to
/// the streams' end markers, then compares the final outputs of both exactly-once sinks (Redis
/// stream and JSON-lines file) of both queries with <see cref="ChaosOracle"/>.
/// </summary>
public static class ChaosCrash
{
    /// <summary>Longest wait for a worker to emit before a kill, and for the last one to end after the input.</summary>
    private static readonly TimeSpan WorkerPatience = TimeSpan.FromSeconds(120);

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>Runs the experiment; <paramref name="log"/> gets a line per event (kills, restarts, recoveries).</summary>
    /// <exception cref="InvalidOperationException">A worker failed or stalled (the message holds the end of its log).</exception>
    public static async Task<ChaosCrashResult> RunAsync(ChaosCrashSettings settings, CameoExecutable cameo, Action<string> log, CancellationToken cancellationToken)
    {
        if (settings.Problem() is { } problem) throw new ArgumentException(problem, nameof(settings));
        string directory = Path.GetFullPath(settings.Directory);
        Clean(directory);
        await using var owned = settings.Redis is null ? await RedisServerProcess.StartAsync(cancellationToken).ConfigureAwait(false) : null;
        string endpoint = settings.Redis ?? owned!.Endpoint;
        if (owned is not null) log($"started redis-server on {endpoint}");
        var layout = new ChaosLayout(endpoint, $"cameo-chaos:{Guid.NewGuid():N}", directory);
        await using var redis = await ConnectionMultiplexer.ConnectAsync(endpoint).ConfigureAwait(false);
        var db = redis.GetDatabase();
        var input = ChaosInput.Generate(settings.Events, settings.Seed);
        var killAt = KillMoments(settings);

        var clock = Stopwatch.StartNew();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var writing = WriteInputAsync(db, layout, input, settings.InputSeconds, clock, stop.Token);
        var runs = new List<ChaosRun>();
        var worker = WorkerProcess.Start(cameo, layout, settings.CheckpointInterval, 0, clock);
        try
        {
            for (int k = 0; k < killAt.Length; k++)
            {
                var wait = TimeSpan.FromSeconds(killAt[k]) - clock.Elapsed;
                if (wait > TimeSpan.Zero) await Task.WhenAny(Task.Delay(wait, cancellationToken), worker.Exited).ConfigureAwait(false);
                await worker.WaitEmittingAsync(WorkerPatience, cancellationToken).ConfigureAwait(false);
                if (worker.Exited.IsCompleted) throw worker.Failure("ended before the input did");
                await worker.KillAsync().ConfigureAwait(false);
                runs.Add(worker.Describe());
                log($"{clock.Elapsed.TotalSeconds,6:0.00} s  killed worker {worker.Run} (SIGKILL){Recovered(worker)}");
                worker = WorkerProcess.Start(cameo, layout, settings.CheckpointInterval, k + 1, clock);
            }
            await writing.ConfigureAwait(false);
            log($"{clock.Elapsed.TotalSeconds,6:0.00} s  input written ({input.Count:N0} events and the end markers)");
            await worker.WaitEndAsync(WorkerPatience, cancellationToken).ConfigureAwait(false);
            runs.Add(worker.Describe());
            log($"{clock.Elapsed.TotalSeconds,6:0.00} s  worker {worker.Run} finished{Recovered(worker)}");
        }
        finally
        {
            await worker.KillAsync().ConfigureAwait(false);
            await stop.CancelAsync().ConfigureAwait(false);
            try { await writing.ConfigureAwait(false); } catch (OperationCanceledException) { }
        }

        var redisSinks = await CompareRedisOutputsAsync(db, layout, input).ConfigureAwait(false);
        var sinks = new List<ChaosTally>
        {
            redisSinks[0],
            ChaosOracle.CompareCounts("counts: JSON-lines file", ChaosOracle.Counts(input), ReadFile<WindowResult<int, long>>(layout.FileOutput(ChaosLayout.Counts))),
            redisSinks[1],
            ChaosOracle.ComparePairs("joins: JSON-lines file", ChaosOracle.Pairs(input), ReadFile<ChaosPair>(layout.FileOutput(ChaosLayout.Joins))),
        };
        if (owned is null) await DeleteKeysAsync(redis, db, layout).ConfigureAwait(false);
        var recoveries = runs.Where(r => r.Run > 0 && r.RecoverySeconds is not null).Select(r => r.RecoverySeconds!.Value).ToList();
        return new ChaosCrashResult(
            killAt.Length, sinks.Sum(s => s.Lost), sinks.Sum(s => s.Duplicated), recoveries.Count == 0 ? null : recoveries.Max(), sinks.Sum(s => s.Wrong),
            settings.Events, settings.Seed, settings.InputSeconds, settings.CheckpointInterval.TotalSeconds, sinks, runs, Math.Round(clock.Elapsed.TotalSeconds, 3));
    }

    private static string Recovered(WorkerProcess worker) =>
        worker.Run > 0 && worker.Describe().RecoverySeconds is { } r ? $"; it had recovered in {r:0.000} s" : "";

    /// <summary>
    /// The kill moments, seconds from the start of the input: kill k falls at a random point of the
    /// k-th of <c>Kills</c> equal slices of the first 90% of the input's time.
    /// </summary>
    public static double[] KillMoments(ChaosCrashSettings settings)
    {
        var random = new Random(HashCode.Combine(settings.Seed, 0x6b696c6c));
        double slice = 0.9 * settings.InputSeconds / Math.Max(1, settings.Kills);
        return [.. Enumerable.Range(0, settings.Kills).Select(k => (k + random.NextDouble()) * slice)];
    }

    /// <summary>Removes the outputs, checkpoints and logs of an earlier run in <paramref name="directory"/>.</summary>
    public static void Clean(string directory)
    {
        Directory.CreateDirectory(directory);
        string state = Path.Combine(directory, "state");
        if (Directory.Exists(state)) Directory.Delete(state, recursive: true);
        foreach (string pattern in new[] { $"{ChaosLayout.Counts}.jsonl*", $"{ChaosLayout.Joins}.jsonl*", "worker-*.log", "results.json" })
            foreach (string file in Directory.EnumerateFiles(directory, pattern)) File.Delete(file);
    }

    /// <summary>The Redis output streams of both queries (counts, then joins) against the oracle.</summary>
    public static async Task<ChaosTally[]> CompareRedisOutputsAsync(IDatabase db, ChaosLayout layout, ChaosInput input) =>
    [
        ChaosOracle.CompareCounts("counts: Redis stream", ChaosOracle.Counts(input), await ReadStreamAsync<WindowResult<int, long>>(db, layout.RedisOutput(ChaosLayout.Counts)).ConfigureAwait(false)),
        ChaosOracle.ComparePairs("joins: Redis stream", ChaosOracle.Pairs(input), await ReadStreamAsync<ChaosPair>(db, layout.RedisOutput(ChaosLayout.Joins)).ConfigureAwait(false)),
    ];

    /// <summary>
    /// Appends each event to its stream when it is due (<paramref name="seconds"/> over the whole
    /// input), a pipelined batch every few milliseconds, then an end marker to each stream.
    /// </summary>
    public static async Task WriteInputAsync(IDatabase db, ChaosLayout layout, ChaosInput input, double seconds, Stopwatch clock, CancellationToken cancellationToken)
    {
        var keys = new Dictionary<ChaosSide, RedisKey> { [ChaosSide.Clicks] = layout.Input(ChaosSide.Clicks), [ChaosSide.Views] = layout.Input(ChaosSide.Views) };
        int next = 0;
        var sent = new List<Task>();
        while (next < input.Count)
        {
            int due = (int)Math.Min(input.Count, Math.Ceiling(input.Count * clock.Elapsed.TotalSeconds / seconds));
            var batch = db.CreateBatch();
            for (; next < due; next++)
            {
                var (side, e) = input.Events[next];
                sent.Add(batch.StreamAddAsync(keys[side], "data", JsonSerializer.Serialize(e, Json)));
            }
            batch.Execute();
            await Task.WhenAll(sent).ConfigureAwait(false);
            sent.Clear();
            if (next < input.Count) await Task.Delay(5, cancellationToken).ConfigureAwait(false);
        }
        foreach (var key in keys.Values) await db.StreamAddAsync(key, ChaosLayout.EndField, 1).ConfigureAwait(false);
    }

    private static async Task<List<T>> ReadStreamAsync<T>(IDatabase db, string stream)
    {
        var results = new List<T>();
        RedisValue after = "-";
        while (true)
        {
            var page = await db.StreamRangeAsync(stream, after, "+", 10_000).ConfigureAwait(false);
            foreach (var entry in page)
                if (entry.Id != after) results.Add(JsonSerializer.Deserialize<T>((string)entry["data"]!, Json)!);
            if (page.Length < 10_000) return results;
            after = page[^1].Id; // inclusive: the next page starts with it, skipped above
        }
    }

    private static List<T> ReadFile<T>(string path) =>
        File.Exists(path) ? [.. File.ReadLines(path).Where(l => l.Length > 0).Select(l => JsonSerializer.Deserialize<T>(l, Json)!)] : [];

    /// <summary>On a server the user gave: the run's streams and the sinks' commit markers.</summary>
    public static async Task DeleteKeysAsync(ConnectionMultiplexer redis, IDatabase db, ChaosLayout layout)
    {
        RedisKey[] streams = [layout.Input(ChaosSide.Clicks), layout.Input(ChaosSide.Views), layout.RedisOutput(ChaosLayout.Counts), layout.RedisOutput(ChaosLayout.Joins)];
        await db.KeyDeleteAsync(streams).ConfigureAwait(false);
        foreach (var server in redis.GetServers())
        {
            var markers = new List<RedisKey>();
            await foreach (var key in server.KeysAsync(pattern: $"cameo:commit:{{{layout.Prefix}:*", pageSize: 1000).ConfigureAwait(false)) markers.Add(key);
            if (markers.Count > 0) await db.KeyDeleteAsync([.. markers]).ConfigureAwait(false);
        }
    }

    /// <summary>A worker child process: its start, its report lines, its log, and the kill.</summary>
    private sealed class WorkerProcess
    {
        private readonly Process _process;
        private readonly Stopwatch _clock;
        private readonly TaskCompletionSource _emitting = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly StreamWriter _log;
        private readonly Queue<string> _tail = new();
        private double? _emittingAt;
        private double? _killedAt;
        private bool _closed;

        private WorkerProcess(Process process, int run, double startedAt, Stopwatch clock, StreamWriter log)
        {
            (_process, Run, StartedAt, _clock, _log) = (process, run, startedAt, clock, log);
            Exited = process.WaitForExitAsync();
        }

        public int Run { get; }

        public double StartedAt { get; }

        public Task Exited { get; }

        public static WorkerProcess Start(CameoExecutable cameo, ChaosLayout layout, TimeSpan checkpointInterval, int run, Stopwatch clock)
        {
            var info = cameo.StartInfo(["chaos", "worker", "--redis", layout.Redis, "--prefix", layout.Prefix, "--out", layout.Directory,
                "--checkpoint-ms", checkpointInterval.TotalMilliseconds.ToString("0.###", CultureInfo.InvariantCulture)]);
            var log = new StreamWriter(Path.Combine(layout.Directory, $"worker-{run}.log")) { AutoFlush = true };
            double startedAt = clock.Elapsed.TotalSeconds;
            var process = Process.Start(info) ?? throw new InvalidOperationException($"{info.FileName} did not start.");
            var worker = new WorkerProcess(process, run, startedAt, clock, log);
            process.OutputDataReceived += (_, e) => worker.OnLine(e.Data, report: true);
            process.ErrorDataReceived += (_, e) => worker.OnLine(e.Data, report: false);
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            return worker;
        }

        private void OnLine(string? line, bool report)
        {
            if (line is null) return;
            double at = _clock.Elapsed.TotalSeconds;
            lock (_tail)
            {
                if (_closed) return;
                _log.WriteLine($"{at,8:0.000} {(report ? "out" : "err")} {line}");
                _tail.Enqueue(line);
                if (_tail.Count > 20) _tail.Dequeue();
            }
            if (report && line is "emitting" or "done" && _emittingAt is null)
            {
                _emittingAt = at;
                _emitting.TrySetResult();
            }
        }

        /// <summary>Waits until the worker emitted its first result (or ended); fails if it exits or stalls first.</summary>
        public async Task WaitEmittingAsync(TimeSpan patience, CancellationToken cancellationToken)
        {
            var first = await Task.WhenAny(_emitting.Task, Exited, Task.Delay(patience, cancellationToken)).ConfigureAwait(false);
            if (_emitting.Task.IsCompleted) return;
            cancellationToken.ThrowIfCancellationRequested();
            throw Failure(first == Exited ? $"exited with code {_process.ExitCode} before emitting anything" : $"emitted nothing within {patience.TotalSeconds:0} s");
        }

        /// <summary>Waits until the worker ends; fails if it fails or does not end within <paramref name="patience"/>.</summary>
        public async Task WaitEndAsync(TimeSpan patience, CancellationToken cancellationToken)
        {
            var first = await Task.WhenAny(Exited, Task.Delay(patience, cancellationToken)).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
            if (first != Exited) throw Failure($"did not end within {patience.TotalSeconds:0} s after the input ended");
            await _process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false); // the last lines
            if (_process.ExitCode != 0) throw Failure($"exited with code {_process.ExitCode}");
        }

        /// <summary>SIGKILL (the whole process tree), then waits for it to be gone.</summary>
        public async Task KillAsync()
        {
            if (!_process.HasExited)
            {
                _killedAt = _clock.Elapsed.TotalSeconds;
                _process.Kill(entireProcessTree: true);
            }
            await _process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false); // and its last lines
            lock (_tail)
            {
                _closed = true;
                _log.Dispose();
            }
        }

        public ChaosRun Describe() => new(Run, Math.Round(StartedAt, 3), _emittingAt is { } e ? Math.Round(e - StartedAt, 3) : null, _killedAt is { } k ? Math.Round(k, 3) : null);

        public InvalidOperationException Failure(string what)
        {
            string tail;
            lock (_tail) tail = string.Join(Environment.NewLine, _tail);
            return new InvalidOperationException($"Worker {Run} {what}; its last lines:{Environment.NewLine}{tail}");
        }
    }
}
