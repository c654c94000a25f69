
namespace Cameo.Workloads.Bench;

/// <summary>
/// One query class in one run. A class's latency is that of its worst query (the highest
/// percentile among the class's queries that emitted anything), so a good number cannot hide a
/// bad tenant; SLA attainment is the fraction of all the class's outputs within their targets;
/// throughput is the class's input events per second.
/// </summary>
/// <param name="P50Ms">Null if no query of the class emitted anything (likewise below).</param>
public sealed record ClassMeasure(double? P50Ms, double? P95Ms, double? P99Ms, double? MaxMs, double SlaAttainment, double EventsPerSecond, long Outputs)
{
    public static ClassMeasure Of(IReadOnlyCollection<QueryResult> queries)
    {
        var emitting = queries.Where(q => q.Stats.Outputs > 0).ToList();
        double? Worst(Func<QueryResult, double> f) => emitting.Count == 0 ? null : emitting.Max(f);
        long outputs = queries.Sum(q => q.Stats.Outputs);
        double within = queries.Sum(q => q.Stats.SlaAttainment * q.Stats.Outputs);
        return new ClassMeasure(
            Worst(q => q.Stats.P50Ms), Worst(q => q.Stats.P95Ms), Worst(q => q.Stats.P99Ms), Worst(q => q.Stats.MaxMs),
            outputs == 0 ? 1.0 : within / outputs,
            queries.Sum(q => q.Stats.InputEventsPerSecond),
            outputs);
    }
}

/// <summary>
/// A policy's results for one query class: medians over its runs, how far the runs spread, and
/// the ratios to <see cref="BenchPolicy.Reference"/>.
/// </summary>
/// <param name="Policy">Contender.</param>
/// <param name="Class">Query class (LS or BA).</param>
/// <param name="Runs">Runs summarized.</param>
/// <param name="Median">Median of each measure over the runs.</param>
/// <param name="P99MinMs">Lowest p99 of the runs.</param>
/// <param name="P99MaxMs">Highest p99 of the runs.</param>
/// <param name="P99Spread">(highest - lowest) / median p99: how noisy the runs were.</param>
/// <param name="EventsPerSecondSpread">(highest - lowest) / median throughput.</param>
/// <param name="Utilization">Median utilization of the workers in the policy's runs.</param>
/// <param name="P99VsReference">Median p99 divided by the reference policy's (above 1: worse than Cameo).</param>
/// <param name="EventsPerSecondVsReference">Median throughput divided by the reference policy's.</param>
public sealed record ClassSummary(
    string Policy,
    QueryClass Class,
    int Runs,
    ClassMeasure Median,
    double? P99MinMs,
    double? P99MaxMs,
    double? P99Spread,
    double EventsPerSecondSpread,
    double Utilization,
    double? P99VsReference,
    double? EventsPerSecondVsReference);

/// <summary>The medians, ratios and noise of a <see cref="ScenarioBench"/>, per policy and query class.</summary>
public sealed class BenchSummary
{
    public BenchSummary(ScenarioBench bench)
    {
        Policies = [.. bench.Settings.Policies.Select(p => p.Name).Append(IdealBound.Policy).Where(p => bench.Runs.Any(r => r.Policy == p))];
        Classes = [.. bench.Scenario.Queries.Select(q => q.Class).Distinct().Order()];
        var medians = new List<(string Policy, QueryClass Class, List<ClassMeasure> PerRun, double Utilization)>();
        foreach (var policy in Policies)
        {
            var runs = bench.Runs.Where(r => r.Policy == policy).ToList();
            double utilization = Median(runs.Select(r => r.Result.Utilization));
            foreach (var cls in Classes)
                medians.Add((policy, cls, [.. runs.Select(r => ClassMeasure.Of([.. r.Result.Queries.Where(q => q.Class == cls)]))], utilization));
        }

        Rows = [.. medians.Select(m =>
        {
            var median = MedianOf(m.PerRun);
            var reference = medians.FirstOrDefault(r => r.Policy == BenchPolicy.Reference && r.Class == m.Class);
            var referenceMedian = reference.PerRun is null ? null : MedianOf(reference.PerRun);
            var p99s = m.PerRun.Where(r => r.P99Ms is not null).Select(r => r.P99Ms!.Value).ToList();
            var throughputs = m.PerRun.Select(r => r.EventsPerSecond).ToList();
            return new ClassSummary(
                m.Policy, m.Class, m.PerRun.Count, median,
                p99s.Count == 0 ? null : p99s.Min(), p99s.Count == 0 ? null : p99s.Max(),
                Spread(p99s), Spread(throughputs) ?? 0, m.Utilization,
                Ratio(median.P99Ms, referenceMedian?.P99Ms), Ratio(median.EventsPerSecond, referenceMedian?.EventsPerSecond));
        })];
        Utilization = Median(bench.Runs.Where(r => r.Policy != IdealBound.Policy).Select(r => r.Result.Utilization));
    }

    /// <summary>Policies that ran, in the order given.</summary>
    public IReadOnlyList<string> Policies { get; }

    /// <summary>Query classes of the scenario (LS before BA).</summary>
    public IReadOnlyList<QueryClass> Classes { get; }

    /// <summary>One row per policy and class.</summary>
    public IReadOnlyList<ClassSummary> Rows { get; }

    /// <summary>Median utilization of the workers over every run.</summary>
    public double Utilization { get; }

    /// <summary>The row of <paramref name="policy"/> and <paramref name="cls"/>, if that policy ran.</summary>
    public ClassSummary? Find(string policy, QueryClass cls) => Rows.FirstOrDefault(r => r.Policy == policy && r.Class == cls);

    /// <summary>The largest run-to-run p99 spread of any row, and the median one.</summary>
    public (double Median, double Max)? P99Noise =>
        Rows.Where(r => r.P99Spread is not null).Select(r => r.P99Spread!.Value).ToList() is { Count: > 0 } s ? (Median(s), s.Max()) : null;

    /// <summary>The largest run-to-run throughput spread of any row.</summary>
    public double ThroughputNoise => Rows.Count == 0 ? 0 : Rows.Max(r => r.EventsPerSecondSpread);

    /// <summary>The median of <paramref name="values"/> (mean of the middle two for an even count); 0 if empty.</summary>
    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        if (sorted.Count == 0) return 0;
        int mid = sorted.Count / 2;
        return sorted.Count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    private static double? MedianOrNull(IEnumerable<double?> values) =>
        values.Where(v => v is not null).Select(v => v!.Value).ToList() is { Count: > 0 } present ? Median(present) : null;

    private static ClassMeasure MedianOf(IReadOnlyList<ClassMeasure> runs) => new(
        MedianOrNull(runs.Select(r => r.P50Ms)), MedianOrNull(runs.Select(r => r.P95Ms)),
        MedianOrNull(runs.Select(r => r.P99Ms)), MedianOrNull(runs.Select(r => r.MaxMs)),
        Median(runs.Select(r => r.SlaAttainment)), Median(runs.Select(r => r.EventsPerSecond)),
        (long)Median(runs.Select(r => (double)r.Outputs)));

    private static double? Spread(IReadOnlyList<double> values)
    {
        if (values.Count == 0) return null;
        double median = Median(values);
        return median <= 0 ? null : (values.Max() - values.Min()) / median;
    }

    private static double? Ratio(double? value, double? reference) =>
        value is { } v && reference is { } r && r > 0 ? v / r : null;
}
