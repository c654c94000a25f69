using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using Cameo.Orleans;
using Cameo.Orleans.Deployment;
using Cameo.Workloads;
using Cameo.Workloads.Chaos;
using Microsoft.Extensions.Hosting;
using StackExchange.Redis;

namespace Cameo.Cli.Chaos;

/// <summary>What <c>cameo chaos silo-kill</c> runs.</summary>
/// <param name="Silos">Silo processes in the cluster (one is killed).</param>
/// <param name="Events">Input events, over both streams.</param>
/// <param name="Directory">Silo logs and results.json.</param>
/// <param name="Redis">An existing server (host:port), or null to start a <c>redis-server</c> child process.</param>
/// <param name="Seed">Seeds the input.</param>
/// <param name="InputSeconds">The input is written over this long; the kill falls at 40% of it, once both queries completed a checkpoint (at 60% at the latest).</param>
/// <param name="CheckpointInterval">The silos' checkpoint interval.</param>
/// <param name="Victim">Which silo is killed.</param>
public sealed record ChaosSiloKillSettings(int Silos, int Events, string Directory, string? Redis, int Seed, double InputSeconds, TimeSpan CheckpointInterval,
    SiloKillVictim Victim = SiloKillVictim.Instances)
{
    /// <summary>Why these settings cannot run, or null.</summary>
    public string? Problem() =>
        Silos < 2 ? "--silos must be at least 2 (one is killed, the others take over)."
        : Events < 1 ? "--events must be at least 1."
        : InputSeconds <= 0 ? "--seconds must be positive."
        : CheckpointInterval <= TimeSpan.Zero ? "--checkpoint-every must be positive."
        : null;
}

/// <summary>Which silo <c>cameo chaos silo-kill</c> kills.</summary>
public enum SiloKillVictim
{
    /// <summary>One that holds instances but neither query's coordinator.</summary>
    Instances,

    /// <summary>The one that holds the first query's coordinator (and instances).</summary>
    Coordinator,
}

/// <summary>
/// <c>cameo chaos silo-kill</c>: starts a Redis-clustered cluster of <c>cameo silo</c> processes that
/// checkpoint into Redis, submits the two chaos queries (<see cref="ChaosCountsDefinition"/>,
/// <see cref="ChaosJoinsDefinition"/>, which the silos load) reading the input streams
/// <see cref="ChaosCrash"/> writes, kills one silo (<see cref="ChaosSiloKillSettings.Victim"/>) with
/// SIGKILL once both queries completed a checkpoint, lets them finish on the survivors, and
/// compares their Redis output streams with <see cref="ChaosOracle"/>.
/// </summary>
public static class ChaosSiloKill
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(120);

    /// <summary>Runs the experiment; <paramref name="log"/> gets a line per event.</summary>
    /// <exception cref="InvalidOperationException">A silo did not start, or a query failed or did not end.</exception>
    public static async Task<ChaosCrashResult> RunAsync(ChaosSiloKillSettings settings, CameoExecutable cameo, Action<string> log, CancellationToken cancellationToken)
    {
        if (settings.Problem() is { } problem) throw new ArgumentException(problem, nameof(settings));
        string directory = Path.GetFullPath(settings.Directory);
        ChaosCrash.Clean(directory);
        foreach (string file in System.IO.Directory.EnumerateFiles(directory, "silo-*.log")) File.Delete(file);
        await using var owned = settings.Redis is null ? await RedisServerProcess.StartAsync(cancellationToken).ConfigureAwait(false) : null;
        string endpoint = settings.Redis ?? owned!.Endpoint;
        if (owned is not null) log($"started redis-server on {endpoint}");
        var layout = new ChaosLayout(endpoint, $"cameo-chaos:{Guid.NewGuid():N}", directory);
        await using var redis = await ConnectionMultiplexer.ConnectAsync(endpoint).ConfigureAwait(false);
        var db = redis.GetDatabase();
        var input = ChaosInput.Generate(settings.Events, settings.Seed);

        var silos = new List<SiloProcess>();
        IHost? client = null;
        var clock = Stopwatch.StartNew();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Task writing = Task.CompletedTask;
        try
        {
            for (int i = 0; i < settings.Silos; i++) silos.Add(SiloProcess.Start(cameo, endpoint, settings.CheckpointInterval, i, directory));
            await Step("the silos to start", Task.WhenAll(silos.Select(s => s.Started.WaitAsync(Patience, cancellationToken)))).ConfigureAwait(false);
            client = await Step("a client to connect", ClusterHosting.ConnectAsync(endpoint, 0, cancellationToken, Patience)).ConfigureAwait(false);
            var cameoClient = client.CameoClient();
            await Step("the silos to join", cameoClient.WaitForSilosAsync(settings.Silos, Patience, cancellationToken)).ConfigureAwait(false);
            log($"{clock.Elapsed.TotalSeconds,6:0.00} s  {settings.Silos} silos up (checkpoints every {settings.CheckpointInterval.TotalMilliseconds:0} ms)");

            clock.Restart();
            writing = ChaosCrash.WriteInputAsync(db, layout, input, settings.InputSeconds, clock, stop.Token);
            string[] keys =
            [
                (await cameoClient.SubmitAsync(new ChaosCountsDefinition().Name, layout.Parameters, ChaosLayout.Counts).ConfigureAwait(false)).Key,
                (await cameoClient.SubmitAsync(new ChaosJoinsDefinition().Name, layout.Parameters, ChaosLayout.Joins).ConfigureAwait(false)).Key,
            ];
            var killAt = TimeSpan.FromSeconds(0.4 * settings.InputSeconds);
            QueryStatus[] statuses;
            while (true)
            {
                statuses = await StatusesAsync(cameoClient, keys, cancellationToken).ConfigureAwait(false);
                if (statuses.FirstOrDefault(s => s.IsTerminal) is { } ended) throw new InvalidOperationException($"Query {ended.Name} ended ({ended.State}) before the kill: {ended.Error}");
                // once both ran a checkpoint, or at the latest at 60% of the input (then a query without one replays from the start)
                if (clock.Elapsed >= killAt && (statuses.All(s => s.LastCheckpoint >= 1) || clock.Elapsed >= 1.5 * killAt)) break;
                await Task.Delay(50, cancellationToken).ConfigureAwait(false);
            }
            bool Coordinates(SiloProcess s, QueryStatus q) => q.Coordinator?.Contains($":{s.Port}:", StringComparison.Ordinal) == true;
            var victim = settings.Victim == SiloKillVictim.Coordinator
                ? silos.First(s => Coordinates(s, statuses[0]))
                : silos.First(s => !statuses.Any(q => Coordinates(s, q)));
            victim.Kill();
            double killedAt = clock.Elapsed.TotalSeconds;
            log($"{killedAt,6:0.00} s  killed silo {victim.Index} (port {victim.Port}, SIGKILL); last checkpoints {string.Join(", ", statuses.Select(s => $"{s.Name} {s.LastCheckpoint}"))}; coordinators {string.Join(", ", statuses.Select(s => $"{s.Name} on {s.Coordinator}"))}");

            var recovered = new double?[keys.Length];
            while (true)
            {
                statuses = await StatusesAsync(cameoClient, keys, cancellationToken).ConfigureAwait(false);
                for (int q = 0; q < keys.Length; q++)
                    if (recovered[q] is null && statuses[q].Recoveries > 0)
                    {
                        recovered[q] = clock.Elapsed.TotalSeconds - killedAt;
                        log($"{clock.Elapsed.TotalSeconds,6:0.00} s  {statuses[q].Name} resumed from checkpoint on the survivors (incarnation {statuses[q].Incarnation}, rollback {statuses[q].LastRecoverySeconds:0.000} s)");
                    }
                if (statuses.All(s => s.IsTerminal)) break;
                if (clock.Elapsed.TotalSeconds > killedAt + settings.InputSeconds + Patience.TotalSeconds) throw new InvalidOperationException("The queries did not end after the kill.");
                await Task.Delay(100, cancellationToken).ConfigureAwait(false);
            }
            if (statuses.FirstOrDefault(s => s.State != QueryState.Completed) is { } failed)
                throw new InvalidOperationException($"Query {failed.Name} ended {failed.State}: {failed.Error}");
            log($"{clock.Elapsed.TotalSeconds,6:0.00} s  both queries completed on the survivors");
            await writing.ConfigureAwait(false);

            var sinks = await ChaosCrash.CompareRedisOutputsAsync(db, layout, input).ConfigureAwait(false);
            if (owned is null) await ChaosCrash.DeleteKeysAsync(redis, db, layout).ConfigureAwait(false);
            double? recovery = recovered.All(r => r is not null) ? Math.Round(recovered.Max()!.Value, 3) : null;
            return new ChaosCrashResult(1, sinks.Sum(s => s.Lost), sinks.Sum(s => s.Duplicated), recovery, sinks.Sum(s => s.Wrong),
                settings.Events, settings.Seed, settings.InputSeconds, settings.CheckpointInterval.TotalSeconds, sinks,
                [new ChaosRun(1, Math.Round(killedAt, 3), recovery, Math.Round(killedAt, 3))], Math.Round(clock.Elapsed.TotalSeconds, 3));
        }
        finally
        {
            if (client is not null)
            {
                try { await client.StopAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false); } catch (Exception) { /* the cluster is going */ }
                client.Dispose();
            }
            // The survivors stop gracefully, so that they leave the Redis membership table as dead: silos
            // still listed as active there hold up the next cluster's silos until they are voted out.
            await Task.WhenAll(silos.Select(s => s.StopAsync(TimeSpan.FromSeconds(30)))).ConfigureAwait(false);
            await stop.CancelAsync().ConfigureAwait(false);
            try { await writing.ConfigureAwait(false); } catch (OperationCanceledException) { }
        }
    }

    /// <summary>Awaits <paramref name="step"/>; a timeout says what it waited for.</summary>
    private static async Task<T> Step<T>(string what, Task<T> step)
    {
        try
        {
            return await step.ConfigureAwait(false);
        }
        catch (TimeoutException ex)
        {
            throw new InvalidOperationException($"Waited {Patience.TotalSeconds:0} s for {what}: {ex.Message}", ex);
        }
    }

    private static Task Step(string what, Task step) => Step(what, step.ContinueWith(t => { t.GetAwaiter().GetResult(); return 0; }, TaskScheduler.Default));

    /// <summary>
    /// The queries' statuses. A call may fail for a while after the kill (Orleans cannot reach the
    /// directory entries the dead silo kept until its membership declares it dead): asked again.
    /// </summary>
    private static async Task<QueryStatus[]> StatusesAsync(CameoClient client, string[] keys, CancellationToken cancellationToken)
    {
        var until = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                return await Task.WhenAll(keys.Select(k => client.StatusAsync(k))).WaitAsync(TimeSpan.FromSeconds(5), cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException && until.Elapsed < Patience)
            {
                await Task.Delay(200, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>A <c>cameo silo</c> child process, its output in <c>silo-N.log</c>.</summary>
    private sealed class SiloProcess
    {
        private readonly Process _process;
        private readonly StreamWriter _log;
        private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);

        private SiloProcess(Process process, int index, int port, StreamWriter log) => (_process, Index, Port, _log) = (process, index, port, log);

        public int Index { get; }

        public int Port { get; }

        public Task Started => _started.Task;

        public static SiloProcess Start(CameoExecutable cameo, string redis, TimeSpan checkpointInterval, int index, string directory)
        {
            int port = LocalCluster.FreePort();
            var info = cameo.StartInfo(["silo", "--redis", redis, "--port", port.ToString(CultureInfo.InvariantCulture),
                "--gateway", LocalCluster.FreePort().ToString(CultureInfo.InvariantCulture), "--turns", "1",
                "--queries", typeof(ChaosCountsDefinition).Assembly.Location,
                "--checkpoint-every", $"{checkpointInterval.TotalMilliseconds.ToString("0.###", CultureInfo.InvariantCulture)}ms"]);
            var log = new StreamWriter(Path.Combine(directory, $"silo-{index}.log")) { AutoFlush = true };
            var process = Process.Start(info) ?? throw new InvalidOperationException($"{info.FileName} did not start.");
            var silo = new SiloProcess(process, index, port, log);
            process.OutputDataReceived += (_, e) => silo.OnLine(e.Data);
            process.ErrorDataReceived += (_, e) => silo.OnLine(e.Data);
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            _ = process.WaitForExitAsync().ContinueWith(_ => silo._started.TrySetException(new InvalidOperationException($"Silo {index} exited before it started; see silo-{index}.log.")), TaskScheduler.Default);
            return silo;
        }

        private void OnLine(string? line)
        {
            if (line is null) return;
            lock (_log) _log.WriteLine(line);
            if (line.StartsWith("silo started", StringComparison.Ordinal)) _started.TrySetResult();
        }

        /// <summary>SIGTERM, and SIGKILL if the silo has not stopped within <paramref name="patience"/>.</summary>
        public async Task StopAsync(TimeSpan patience)
        {
            try
            {
                if (_process.HasExited) return;
                if (OperatingSystem.IsWindows() || SendSignal(_process.Id, SigTerm) != 0)
                {
                    Kill();
                    return;
                }
                await _process.WaitForExitAsync().WaitAsync(patience).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                Kill();
            }
            catch (InvalidOperationException)
            {
                // already reaped
            }
        }

        private const int SigTerm = 15;

        [DllImport("libc", EntryPoint = "kill")]
        private static extern int SendSignal(int pid, int signal);

        /// <summary>SIGKILL.</summary>
        public void Kill()
        {
            try
            {
                if (!_process.HasExited) _process.Kill(entireProcessTree: true);
                _process.WaitForExit(5_000);
            }
            catch (InvalidOperationException)
            {
                // already reaped
            }
        }
    }
}
