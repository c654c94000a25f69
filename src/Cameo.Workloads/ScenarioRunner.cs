using Cameo.Metrics;
using Cameo.Operators;
using Cameo.Runtime;
using Cameo.Scheduling;

namespace Cameo.Workloads;

/// <summary>How one measured run of a scenario is set up.</summary>
/// <param name="Policy">The scheduling policy.</param>
/// <param name="Workers">Worker threads.</param>
/// <param name="Seconds">Measured duration.</param>
/// <param name="WarmupSeconds">Run before measuring (measurements are then reset).</param>
/// <param name="Load">Offered load as a fraction of capacity.</param>
/// <param name="Seed">Input seed: the same seed gives every policy the same trace.</param>
/// <param name="Slots">Run on the thread-per-instance baseline instead of the shared worker pool.</param>
/// <param name="Runtime">Another runtime (e.g. Orleans), or null for the embedded one.</param>
/// <param name="Recorder">If set, records every generated input event (to check that runs see the same trace).</param>
/// <param name="Checkpoints">If set, the queries take checkpoints and resume from the store's last ones.</param>
public sealed record RunSettings(
    ISchedulingPolicy Policy,
    int Workers,
    double Seconds,
    double WarmupSeconds,
    double Load,
    int Seed,
    bool Slots = false,
    Func<EngineOptions, IQueryRuntime>? Runtime = null,
    InputRecorder? Recorder = null,
    Cameo.Checkpoints.CheckpointOptions? Checkpoints = null)
{
    /// <summary>The policy's name as reports show it (`slots` for the slot baseline).</summary>
    public string PolicyName => Slots ? "slots" : Policy.Name;
}

/// <summary>One query's measurements in a run.</summary>
/// <param name="Name"></param>
/// <param name="Class"></param>
/// <param name="LatencyTargetMs"></param>
/// <param name="OfferedEventsPerSecond"></param>
/// <param name="Stats"></param>
/// <param name="Cdf"></param>
/// <param name="Operators">Each operator's profiled cost over the whole run (warm-up included), where the runtime measures it in this process.</param>
public sealed record QueryResult(string Name, QueryClass Class, double LatencyTargetMs, double OfferedEventsPerSecond, QueryStats Stats, IReadOnlyList<(double LatencyMs, double Fraction)> Cdf,
    IReadOnlyList<OperatorCost>? Operators = null);

/// <summary>A measured run: every query's results and how busy the workers were.</summary>
/// <param name="Policy"></param>
/// <param name="Runtime"></param>
/// <param name="Workers"></param>
/// <param name="Utilization">Fraction of the workers' time spent processing while measured.</param>
/// <param name="Queries"></param>
/// <param name="PeakWorkingSetBytes">The process's peak working set when the run ended (a process-wide high-water mark).</param>
/// <param name="PriorityInversion">How long messages waited behind lower-ranked ones while measured (<see cref="PriorityInversion.None"/> where the runtime does not measure it).</param>
/// <param name="Gc">What the process's garbage collector did while measured (null where the run is not in this process).</param>
public sealed record RunResult(string Policy, string Runtime, int Workers, double Utilization, IReadOnlyList<QueryResult> Queries, long PeakWorkingSetBytes,
    PriorityInversion PriorityInversion = default, GcActivity? Gc = null);

/// <summary>
/// What the garbage collector did over a period, process-wide: collections that reached each
/// generation (a gen1 collection also collects gen0, so it counts in <see cref="Gen0"/> too), the
/// time threads were paused for them, and the bytes allocated. Collections pause every worker, so
/// they land on the latency tail.
/// </summary>
/// <param name="Gen0">Collections of gen0 or above.</param>
/// <param name="Gen1">Collections of gen1 or above.</param>
/// <param name="Gen2">Full collections.</param>
/// <param name="PauseMs">Total pause time of the collections, ms.</param>
/// <param name="AllocatedBytes">Bytes allocated by every thread of the process.</param>
public sealed record GcActivity(int Gen0, int Gen1, int Gen2, double PauseMs, long AllocatedBytes)
{
    /// <summary>The collector's counters now, to subtract from later ones.</summary>
    public static GcActivity Now() => new(GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2),
        GC.GetTotalPauseDuration().TotalMilliseconds, GC.GetTotalAllocatedBytes(precise: false));

    /// <summary>What happened between <paramref name="start"/> and this later reading.</summary>
    public GcActivity Since(GcActivity start) =>
        new(Gen0 - start.Gen0, Gen1 - start.Gen1, Gen2 - start.Gen2, PauseMs - start.PauseMs, AllocatedBytes - start.AllocatedBytes);
}

/// <summary>Runs a scenario once under one policy and measures it.</summary>
public static class ScenarioRunner
{
    /// <summary>The input rate schedule of <paramref name="query"/> under <paramref name="scenario"/>'s spikes.</summary>
    /// <remarks>Spike times count from the start of the run, warm-up included.</remarks>
    public static RateSchedule ScheduleFor(Scenario scenario, WorkloadQuery query, double rate, double warmupSeconds)
    {
        var steps = new List<(double, double)> { (0, rate) };
        if (query.Spikes)
            foreach (var spike in scenario.Spikes)
            {
                steps.Add((warmupSeconds + spike.StartSecond, rate * spike.Factor));
                steps.Add((warmupSeconds + spike.StartSecond + spike.Seconds, rate));
            }
        var schedule = new RateSchedule([.. steps]);
        return query.Class == QueryClass.BA && scenario.BulkBurstPeriod is { } period ? schedule.InBursts(period) : schedule;
    }

    /// <summary>
    /// Adds <paramref name="scenario"/>'s queries to <paramref name="engine"/>, each fed by
    /// <paramref name="inputFor"/>; with a shared input, defines it first, from the first query's input.
    /// </summary>
    /// <returns>The queries' handles, in the scenario's order.</returns>
    public static IReadOnlyList<QueryHandle> Deploy(CameoEngine engine, Scenario scenario, Func<WorkloadQuery, WorkloadInput> inputFor)
    {
        object? shared = scenario.Shared?.Define(engine, inputFor(scenario.Queries[0]));
        return [.. scenario.Queries.Select(query =>
        {
            var input = inputFor(query) with { Shared = shared };
            return engine.AddQuery(query.Name, query.LatencyTarget, b => query.Define(b, input));
        })];
    }

    /// <summary>Runs <paramref name="scenario"/> with <paramref name="settings"/>.</summary>
    /// <param name="scenario">What to run.</param>
    /// <param name="capacity">Calibrated capacities (see <see cref="Capacity.MeasureAsync"/>).</param>
    /// <param name="settings">Policy, duration, load, seed.</param>
    /// <param name="progress">Called about every 250 ms with the live handles and the measured time so far (negative during warm-up).</param>
    /// <param name="cancellationToken">Ends the run early.</param>
    /// <param name="attach">Attaches something to the engine once its queries run (a dashboard); disposed when the run ends, before the engine.</param>
    public static async Task<RunResult> RunAsync(Scenario scenario, Capacity capacity, RunSettings settings,
        Action<IReadOnlyList<QueryHandle>, TimeSpan>? progress = null, CancellationToken cancellationToken = default, Func<CameoEngine, Task<IAsyncDisposable>>? attach = null)
    {
        var options = new EngineOptions { Workers = settings.Workers, Policy = settings.Policy, Checkpoints = settings.Checkpoints };
        if (settings.Slots) options.UseSlots();
        if (settings.Runtime is not null) options.Runtime = settings.Runtime;
        await using var engine = new CameoEngine(options);
        var offered = scenario.Queries.ToDictionary(q => q.Name, q => capacity.RateFor(q, settings.Load));
        Deploy(engine, scenario, query => new WorkloadInput(ScheduleFor(scenario, query, offered[query.Name], settings.WarmupSeconds), settings.Seed, settings.Recorder));

        engine.Start();
        await using var attached = attach is null ? null : await attach(engine).ConfigureAwait(false);
        var startedAt = DateTime.UtcNow;
        var warmup = TimeSpan.FromSeconds(settings.WarmupSeconds);
        var total = warmup + TimeSpan.FromSeconds(settings.Seconds);
        bool measuring = warmup <= TimeSpan.Zero;
        var gcAtStart = GcActivity.Now();
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                var elapsed = DateTime.UtcNow - startedAt;
                if (!measuring && elapsed >= warmup)
                {
                    engine.ResetMetrics();
                    gcAtStart = GcActivity.Now();
                    measuring = true;
                }
                progress?.Invoke(engine.Queries, elapsed - warmup);
                if (elapsed >= total) break;
                var step = TimeSpan.FromMilliseconds(250);
                var left = total - elapsed;
                await Task.Delay(left < step ? left : step, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }

        // Measure before stopping: a stop flushes partial windows, which are not results of the run.
        double utilization = engine.Utilization;
        var inversion = engine.Runtime.PriorityInversion;
        var gc = GcActivity.Now().Since(gcAtStart);
        var results = engine.Queries.Select(h =>
        {
            var query = scenario.Queries.First(q => q.Name == h.Name);
            return new QueryResult(h.Name, query.Class, query.LatencyTarget.TotalMilliseconds, offered[h.Name], h.Stats, h.Metrics.Cdf(), h.OperatorCosts());
        }).ToList();
        var failures = engine.Queries.Where(h => h.Failure is not null).Select(h => h.Failure!).ToList();
        await engine.StopAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(false);
        if (failures.Count > 0) throw new AggregateException($"{failures.Count} query(ies) failed during the run.", failures);
        using var process = System.Diagnostics.Process.GetCurrentProcess();
        return new RunResult(settings.PolicyName, engine.Runtime.Name, engine.Workers, utilization, results, process.PeakWorkingSet64, inversion, gc);
    }
}
