using System.Diagnostics;

namespace Cameo.Workloads.Bench;

/// <summary>One measured run of a benchmark: which contender, which round, what it measured, and what its checkpoints cost (with checkpoints on).</summary>
public sealed record BenchRun(string Policy, int Repeat, RunResult Result, CheckpointStats? Checkpoints = null);

/// <summary>Everything measured for one scenario: the calibration and every run.</summary>
/// <param name="Scenario">What ran.</param>
/// <param name="Settings">How it was measured.</param>
/// <param name="Seconds">Measured seconds per run (the option or the scenario's default).</param>
/// <param name="Capacity">Calibrated capacity of each query in the mix (see <see cref="Capacity.MeasureAsync"/>).</param>
/// <param name="CalibrationTime">How long calibration took (zero if it was reused).</param>
/// <param name="Runs">Every run, in the order they ran.</param>
/// <param name="CalibrationReusedFrom">The scenario whose calibration of the same queries was reused, if any.</param>
public sealed record ScenarioBench(Scenario Scenario, BenchSettings Settings, double Seconds, Capacity Capacity, TimeSpan CalibrationTime, IReadOnlyList<BenchRun> Runs, string? CalibrationReusedFrom = null);

/// <summary>
/// Measures a scenario under several policies with the discipline the comparison needs: one
/// calibration, then every policy on the same seeded trace in the same process, interleaved
/// round-robin (each round starting one policy later, so no policy always runs first after
/// calibration or right after the same neighbour), each run with its own warm-up.
/// </summary>
public static class BenchRunner
{
    /// <summary>Calibrates <paramref name="scenario"/>, then runs every policy <see cref="BenchSettings.Repeat"/> times.</summary>
    /// <param name="scenario">What to measure.</param>
    /// <param name="settings">Policies, durations, load, seed.</param>
    /// <param name="log">Told what is happening (a line per step).</param>
    /// <param name="calibrated">A calibration of the same queries on the same workers, and the scenario it was made for, to reuse instead of calibrating again.</param>
    /// <param name="cancellationToken">Stops between runs (and shortens the current one).</param>
    public static async Task<ScenarioBench> RunAsync(Scenario scenario, BenchSettings settings, Action<string>? log = null,
        (Capacity Capacity, string Scenario)? calibrated = null, CancellationToken cancellationToken = default)
    {
        if (settings.ProblemFor(scenario) is { } problem) throw new ArgumentException(problem, nameof(settings));
        double seconds = settings.SecondsFor(scenario);

        var clock = Stopwatch.StartNew();
        Capacity capacity;
        string? reusedFrom = null;
        if (calibrated is { } reuse && reuse.Capacity.Load == settings.Load && scenario.Queries.All(q => reuse.Capacity.EventsPerSecond.ContainsKey(q.Name)))
        {
            log?.Invoke($"reusing the calibration of {reuse.Scenario} (same queries)");
            (capacity, reusedFrom) = reuse;
        }
        else
        {
            log?.Invoke($"calibrating {scenario.Name}: {(scenario.Shared is null ? $"each of {scenario.Queries.Count} queries alone" : $"the {scenario.Queries.Count} queries on their shared input")} (saturated, then paced below saturation) for {settings.CalibrationSeconds:0.#} s or more each, then the mix at {Format.Pct(Capacity.CalibrationLoad(settings.Load))} load until it reaches it within {Capacity.Tolerance * 100:0} points");
            capacity = await Capacity.MeasureAsync(scenario, settings.Workers, TimeSpan.FromSeconds(settings.CalibrationSeconds), settings.Seed, settings.Load, cancellationToken, runtime: settings.On.Calibration).ConfigureAwait(false);
            log?.Invoke($"mix calibration: {Rounds(capacity)}");
        }
        var calibrationTime = reusedFrom is null ? clock.Elapsed : TimeSpan.Zero;

        var runs = new List<BenchRun>();
        int total = settings.Repeat * settings.Policies.Count;
        for (int repeat = 1; repeat <= settings.Repeat; repeat++)
        {
            foreach (var policy in RoundOrder(settings.Policies, repeat))
            {
                cancellationToken.ThrowIfCancellationRequested();
                // Each run starts on a clean heap, so no run pays for the garbage of the one before.
                GC.Collect();
                GC.WaitForPendingFinalizers();
                GC.Collect();
                if (policy.Runtime is not null) await LetThreadPoolShrinkAsync(cancellationToken).ConfigureAwait(false);
                // A checkpointed run writes to a directory of its own, so it never resumes another run's queries.
                var state = policy.Checkpointed ? Directory.CreateTempSubdirectory("cameo-bench-state-") : null;
                var store = state is null ? null : new MeasuredStateStore(new Cameo.Checkpoints.DirectoryStateStore(state.FullName));
                var checkpoints = store is null ? null : new Cameo.Checkpoints.CheckpointOptions { Store = store, Interval = settings.CheckpointEvery!.Value };
                var run = new RunSettings(policy.Policy, settings.Workers, seconds, settings.WarmupSeconds, settings.Load, settings.Seed, policy.Slots, policy.Runtime, Checkpoints: checkpoints);
                RunResult result;
                try
                {
                    using (policy.ExportsTelemetry ? OtelExport.Start() : null)
                        result = await ScenarioRunner.RunAsync(scenario, capacity, run, cancellationToken: cancellationToken).ConfigureAwait(false);
                }
                finally
                {
                    state?.Delete(recursive: true);
                }
                cancellationToken.ThrowIfCancellationRequested();
                var cost = store?.Stats();
                runs.Add(new BenchRun(policy.Name, repeat, result, cost));
                string costText = cost is null ? "" : $"; {cost.Completed} checkpoints, median {Format.Ms(cost.DurationP50Ms)} ms, {cost.SizeP50Bytes / 1024:0.#} KiB";
                log?.Invoke($"[{runs.Count}/{total}] {policy.Name,-5} round {repeat}: utilization {Format.Pct(result.Utilization, 1)} (asked {Format.Load(settings.Load)}){costText}");
            }
        }
        if (scenario.Mix is not null && runs.Count > 0)
        {
            log?.Invoke($"replaying the trace on {settings.Workers} workers under preemptive EDF ({IdealBound.Policy})");
            var ideal = await IdealBound.ReplayAsync(scenario, capacity, settings.Load, settings.Seed, settings.Workers, settings.WarmupSeconds, seconds, runs.Select(r => r.Result)).ConfigureAwait(false);
            runs.Add(new BenchRun(IdealBound.Policy, 1, ideal));
        }
        return new ScenarioBench(scenario, settings, seconds, capacity, calibrationTime, runs, reusedFrom);
    }

    /// <summary>The mix calibration's rounds as "scale 1.00: 100.0% (62% of the input read), scale 0.56: 89.1% -> scale 0.56".</summary>
    public static string Rounds(Capacity capacity) =>
        string.Join(", ", capacity.Rounds.Select(r => $"scale {r.Scale.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture)}: {Format.Pct(r.Utilization, 1)}{(r.Processed < 0.995 ? $" ({Format.Pct(r.Processed)} of the input read)" : "")}"))
        + $" -> scale {capacity.Scale.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture)}";

    /// <summary>The thread pool's minimum as .NET sized it, before any run changed it.</summary>
    private static readonly int PoolMinimum = MinWorkerThreads();

    /// <summary>
    /// Runs on Orleans share this process's thread pool, and the threads a run grows outlive it: a
    /// run of unmodified Orleans right after a Cameo run (whose silos keep spare pool threads) would
    /// get a pool several times the size its own demand grows, and the OS would time-slice its
    /// grain turns. So before each such run the pool's minimum goes back to .NET's default and the
    /// surplus threads get time to retire (the CLI lets idle pool threads retire after 500 ms,
    /// see Cameo.Cli.csproj), and every run starts from the pool a fresh process would have.
    /// </summary>
    private static async Task LetThreadPoolShrinkAsync(CancellationToken cancellationToken)
    {
        ThreadPool.GetMinThreads(out _, out int io);
        ThreadPool.SetMinThreads(PoolMinimum, io);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        while (ThreadPool.ThreadCount > PoolMinimum + 1 && DateTime.UtcNow < deadline)
            await Task.Delay(100, cancellationToken).ConfigureAwait(false);
    }

    private static int MinWorkerThreads()
    {
        ThreadPool.GetMinThreads(out int workers, out _);
        return workers;
    }

    /// <summary>The order of round <paramref name="repeat"/> (1-based): the list rotated by one more each round.</summary>
    public static IReadOnlyList<BenchPolicy> RoundOrder(IReadOnlyList<BenchPolicy> policies, int repeat)
    {
        int shift = (repeat - 1) % policies.Count;
        return [.. policies.Skip(shift), .. policies.Take(shift)];
    }
}
