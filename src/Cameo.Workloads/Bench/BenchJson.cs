namespace Cameo.Workloads.Bench;

/// <summary>
/// One scenario in results.json: the settings, the calibration, every run with every query
/// (<see cref="QueryJson"/>, as `cameo run` writes it) and its priority inversion, and the medians,
/// worst queries, ratios and verdicts derived from them. `cameo bench all` writes an array of these.
/// </summary>
/// <param name="Scenario"></param>
/// <param name="Workers"></param>
/// <param name="Load">The offered load asked for (a fraction of the calibrated capacity).</param>
/// <param name="Overload">True when <paramref name="Load"/> is above 1.</param>
/// <param name="Utilization">Median fraction of worker time spent processing, over every run.</param>
/// <param name="Seconds"></param>
/// <param name="WarmupSeconds"></param>
/// <param name="Repeat"></param>
/// <param name="Seed"></param>
/// <param name="Runtime">Where the contenders ran, e.g. "embedded" or "orleans (2 silos)".</param>
/// <param name="Policies"></param>
/// <param name="Capacity"></param>
/// <param name="CalibrationLoad">The load the mix was calibrated at.</param>
/// <param name="CalibrationScale">The multiplier of the queries' capacities alone the mix calibration settled on.</param>
/// <param name="CalibrationRounds">Each round of the mix calibration: the scale offered and the utilization reached (see <see cref="Capacity.MeasureAsync"/>).</param>
/// <param name="CalibrationReusedFrom">The scenario whose calibration of the same queries this one reused (`all` calibrates spike's queries once, with multi-tenant), or null.</param>
/// <param name="Spikes"></param>
/// <param name="Runs"></param>
/// <param name="Policy">Per policy: utilization asked and reached, and priority inversion.</param>
/// <param name="Summary">Per policy and query class: the worst queries by name and the ratios to Cameo.</param>
/// <param name="Queries">Per policy and query: medians over the runs and the ratios to Cameo.</param>
/// <param name="Targets"></param>
public sealed record ScenarioJson(
    string Scenario,
    int Workers,
    double Load,
    bool Overload,
    double Utilization,
    double Seconds,
    double WarmupSeconds,
    int Repeat,
    int Seed,
    string Runtime,
    IReadOnlyList<string> Policies,
    IReadOnlyList<CapacityJson> Capacity,
    double CalibrationLoad,
    double CalibrationScale,
    IReadOnlyList<CalibrationRoundJson> CalibrationRounds,
    string? CalibrationReusedFrom,
    IReadOnlyList<SpikeJson> Spikes,
    IReadOnlyList<BenchRunJson> Runs,
    IReadOnlyList<PolicySummaryJson> Policy,
    IReadOnlyList<ClassSummaryJson> Summary,
    IReadOnlyList<QuerySummaryJson> Queries,
    IReadOnlyList<Verdict> Targets)
{
    public static ScenarioJson From(ScenarioBench bench, BenchSummary summary) => new(
        bench.Scenario.Name,
        bench.Settings.Workers,
        bench.Settings.Load,
        summary.Overload,
        Math.Round(summary.Utilization, 4),
        bench.Seconds,
        bench.Settings.WarmupSeconds,
        bench.Settings.Repeat,
        bench.Settings.Seed,
        bench.Settings.On.Name,
        summary.Policies,
        [.. bench.Scenario.Queries.Select(q => new CapacityJson(q.Name, Math.Round(bench.Capacity.EventsPerSecond[q.Name], 1), Math.Round(bench.Capacity.RateFor(q, bench.Settings.Load), 1)))],
        bench.Capacity.Load,
        Math.Round(bench.Capacity.Scale, 4),
        [.. bench.Capacity.Rounds.Select(r => new CalibrationRoundJson(Math.Round(r.Scale, 4), Math.Round(r.Utilization, 4), Math.Round(r.Processed, 4)))],
        bench.CalibrationReusedFrom,
        [.. bench.Scenario.Spikes.Select(s => new SpikeJson(s.StartSecond, s.Seconds, s.Factor))],
        [.. bench.Runs.Select(BenchRunJson.From)],
        [.. summary.PolicyRows.Select(PolicySummaryJson.From)],
        [.. summary.Rows.Select(ClassSummaryJson.From)],
        [.. summary.Queries.Select(QuerySummaryJson.From)],
        Bench.Targets.For(bench, summary));
}

/// <summary>A query's calibrated capacity in the mix and the rate offered to it in the runs (events/s).</summary>
public sealed record CapacityJson(string Query, double CapacityEventsPerSecond, double OfferedEventsPerSecond);

/// <summary>One round of the mix calibration: the scale offered, the utilization reached, and the share of the offered input the queries read.</summary>
public sealed record CalibrationRoundJson(double Scale, double Utilization, double Processed);

/// <summary>A spike: from <paramref name="StartSecond"/> of the measured time, for <paramref name="Seconds"/>, BA input times <paramref name="Factor"/>.</summary>
public sealed record SpikeJson(double StartSecond, double Seconds, double Factor);

/// <summary>One run: the policy, its round (1-based), the runtime, utilization, priority inversion, garbage collections and each query's measurements.</summary>
public sealed record BenchRunJson(string Policy, int Repeat, string Runtime, double Utilization, PriorityInversionJson PriorityInversion, double PeakWorkingSetMiB, GcJson? Gc, IReadOnlyList<QueryJson> Queries,
    CheckpointStats? Checkpoints)
{
    public static BenchRunJson From(BenchRun r) => new(
        r.Policy, r.Repeat, r.Result.Runtime, Math.Round(r.Result.Utilization, 4), PriorityInversionJson.From(r.Result.PriorityInversion),
        Math.Round(r.Result.PeakWorkingSetBytes / (1024.0 * 1024), 1), GcJson.From(r.Result.Gc), [.. r.Result.Queries.Select(QueryJson.From)], r.Checkpoints);
}

/// <summary>The process's garbage collections while a run was measured (see <see cref="GcActivity"/>); null where the run was not in this process.</summary>
/// <param name="Gen0">Collections of gen0 or above.</param>
/// <param name="Gen1">Collections of gen1 or above.</param>
/// <param name="Gen2">Full collections.</param>
/// <param name="PauseMs">Total pause time, ms.</param>
/// <param name="AllocatedMiB">MiB allocated by the process.</param>
public sealed record GcJson(int Gen0, int Gen1, int Gen2, double PauseMs, double AllocatedMiB)
{
    public static GcJson? From(GcActivity? gc) => gc is null ? null
        : new(gc.Gen0, gc.Gen1, gc.Gen2, Math.Round(gc.PauseMs, 1), Math.Round(gc.AllocatedBytes / (1024.0 * 1024), 1));
}

/// <summary>A policy over its runs; see <see cref="PolicySummary"/>.</summary>
/// <param name="Policy"></param>
/// <param name="Runs"></param>
/// <param name="Utilization"></param>
/// <param name="AskedUtilization"></param>
/// <param name="AtAskedLoad"></param>
/// <param name="PriorityInversion">Median p99 and largest max over the runs.</param>
/// <param name="Checkpoints">With checkpoints on: how many completed per run, their duration and size (medians, largest maxima); null otherwise.</param>
public sealed record PolicySummaryJson(string Policy, int Runs, double Utilization, double AskedUtilization, bool AtAskedLoad, PriorityInversionJson PriorityInversion, CheckpointStats? Checkpoints)
{
    public static PolicySummaryJson From(PolicySummary p) => new(
        p.Policy, p.Runs, Math.Round(p.Utilization, 4), Math.Round(p.AskedUtilization, 4), p.AtAskedLoad, PriorityInversionJson.From(p.PriorityInversion), p.Checkpoints);
}

/// <summary>A policy's query class over its runs, judged by its worst queries; see <see cref="ClassSummary"/>.</summary>
/// <param name="Policy"></param>
/// <param name="Class"></param>
/// <param name="Runs"></param>
/// <param name="WorstOnTargetQuery">The query least often on target.</param>
/// <param name="WorstSlaAttainment">Its median SLA attainment; null if it emitted nothing.</param>
/// <param name="WorstP99Query">The query with the highest median p99; null if none emitted anything.</param>
/// <param name="WorstP99Ms">That p99.</param>
/// <param name="EventsPerSecond"></param>
/// <param name="EventsPerSecondSpread"></param>
/// <param name="P99VsCameo">Worst p99 / Cameo's worst p99.</param>
/// <param name="EventsPerSecondVsCameo"></param>
public sealed record ClassSummaryJson(
    string Policy,
    string Class,
    int Runs,
    string WorstOnTargetQuery,
    double? WorstSlaAttainment,
    string? WorstP99Query,
    double? WorstP99Ms,
    double EventsPerSecond,
    double EventsPerSecondSpread,
    double? P99VsCameo,
    double? EventsPerSecondVsCameo)
{
    public static ClassSummaryJson From(ClassSummary s) => new(
        s.Policy, s.Class.ToString(), s.Runs,
        s.WorstOnTarget.Query, Json.Round(s.WorstOnTarget.Median.SlaAttainment, 5),
        s.WorstP99?.Query, Json.Round(s.WorstP99?.Median.P99Ms),
        Math.Round(s.EventsPerSecond, 1), Math.Round(s.EventsPerSecondSpread, 3),
        Json.Round(s.P99VsReference), Json.Round(s.EventsPerSecondVsReference));
}

/// <summary>A policy's query over its runs: medians, spread and ratios to Cameo; see <see cref="QuerySummary"/>.</summary>
public sealed record QuerySummaryJson(
    string Policy,
    string Query,
    string Class,
    double LatencyTargetMs,
    int Runs,
    long Outputs,
    double? P50Ms,
    double? P95Ms,
    double? P99Ms,
    double? MaxMs,
    double? SlaAttainment,
    double EventsPerSecond,
    double? P99MinMs,
    double? P99MaxMs,
    double? P99Spread,
    double EventsPerSecondSpread,
    double? P99VsCameo,
    double? EventsPerSecondVsCameo)
{
    public static QuerySummaryJson From(QuerySummary s) => new(
        s.Policy, s.Query, s.Class.ToString(), s.LatencyTargetMs, s.Runs, s.Median.Outputs,
        Json.Round(s.Median.P50Ms), Json.Round(s.Median.P95Ms), Json.Round(s.Median.P99Ms), Json.Round(s.Median.MaxMs),
        Json.Round(s.Median.SlaAttainment, 5), Math.Round(s.Median.EventsPerSecond, 1),
        Json.Round(s.P99MinMs), Json.Round(s.P99MaxMs), Json.Round(s.P99Spread), Math.Round(s.EventsPerSecondSpread, 3),
        Json.Round(s.P99VsReference), Json.Round(s.EventsPerSecondVsReference));
}
