
namespace Cameo.Workloads.Bench;

/// <summary>
/// One scenario in results.json: the settings, the calibration, every run with every query
/// (<see cref="QueryJson"/>, as `cameo run` writes it), and the medians, ratios and verdicts
/// derived from them. `cameo bench all` writes an array of these.
/// </summary>
/// <param name="Utilization">Median fraction of worker time spent processing, over every run.</param>
/// <param name="CalibrationReusedFrom">The scenario whose calibration of the same queries this one reused (`all` calibrates spike's queries once, with multi-tenant), or null.</param>
/// <param name="CalibrationRounds">The scale each round of the mix calibration found (see <see cref="Workloads.Capacity.MeasureAsync"/>).</param>
public sealed record ScenarioJson(
    string Scenario,
    int Workers,
    double Load,
    double Utilization,
    double Seconds,
    double WarmupSeconds,
    int Repeat,
    int Seed,
    IReadOnlyList<string> Policies,
    IReadOnlyList<CapacityJson> Capacity,
    IReadOnlyList<double> CalibrationRounds,
    string? CalibrationReusedFrom,
    IReadOnlyList<SpikeJson> Spikes,
    IReadOnlyList<BenchRunJson> Runs,
    IReadOnlyList<ClassSummaryJson> Summary,
    IReadOnlyList<Verdict> Targets)
{
    public static ScenarioJson From(ScenarioBench bench, BenchSummary summary) => new(
        bench.Scenario.Name,
        bench.Settings.Workers,
        bench.Settings.Load,
        Math.Round(summary.Utilization, 4),
        bench.Seconds,
        bench.Settings.WarmupSeconds,
        bench.Settings.Repeat,
        bench.Settings.Seed,
        summary.Policies,
        [.. bench.Scenario.Queries.Select(q => new CapacityJson(q.Name, Math.Round(bench.Capacity.EventsPerSecond[q.Name], 1), Math.Round(bench.Capacity.RateFor(q, bench.Settings.Load), 1)))],
        [.. bench.Capacity.Rounds.Select(r => Math.Round(r, 4))],
        bench.CalibrationReusedFrom,
        [.. bench.Scenario.Spikes.Select(s => new SpikeJson(s.StartSecond, s.Seconds, s.Factor))],
        [.. bench.Runs.Select(r => new BenchRunJson(r.Policy, r.Repeat, r.Result.Runtime, Math.Round(r.Result.Utilization, 4), [.. r.Result.Queries.Select(QueryJson.From)]))],
        [.. summary.Rows.Select(ClassSummaryJson.From)],
        Bench.Targets.For(bench, summary));
}

/// <summary>A query's calibrated capacity alone and the rate offered to it in the runs (events/s).</summary>
public sealed record CapacityJson(string Query, double CapacityEventsPerSecond, double OfferedEventsPerSecond);

/// <summary>A spike: from <paramref name="StartSecond"/> of the measured time, for <paramref name="Seconds"/>, BA input times <paramref name="Factor"/>.</summary>
public sealed record SpikeJson(double StartSecond, double Seconds, double Factor);

/// <summary>One run: the policy, its round (1-based), the runtime, and each query's measurements.</summary>
public sealed record BenchRunJson(string Policy, int Repeat, string Runtime, double Utilization, IReadOnlyList<QueryJson> Queries);

/// <summary>A policy's medians for one query class over its runs; see <see cref="ClassSummary"/>.</summary>
public sealed record ClassSummaryJson(
    string Policy,
    string Class,
    int Runs,
    double? P50Ms,
    double? P95Ms,
    double? P99Ms,
    double? MaxMs,
    double SlaAttainment,
    double EventsPerSecond,
    double? P99MinMs,
    double? P99MaxMs,
    double? P99Spread,
    double EventsPerSecondSpread,
    double Utilization,
    double? P99VsCameo,
    double? EventsPerSecondVsCameo)
{
    public static ClassSummaryJson From(ClassSummary s) => new(
        s.Policy, s.Class.ToString(), s.Runs,
        Round(s.Median.P50Ms), Round(s.Median.P95Ms), Round(s.Median.P99Ms), Round(s.Median.MaxMs),
        Math.Round(s.Median.SlaAttainment, 5), Math.Round(s.Median.EventsPerSecond, 1),
        Round(s.P99MinMs), Round(s.P99MaxMs), Round(s.P99Spread), Math.Round(s.EventsPerSecondSpread, 3),
        Math.Round(s.Utilization, 4), Round(s.P99VsReference), Round(s.EventsPerSecondVsReference));

    private static double? Round(double? x) => x is { } v ? Math.Round(v, 3) : null;
}
