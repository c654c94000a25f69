using Cameo.Metrics;

namespace Cameo.Workloads.Bench;

/// <summary>
/// One query's figures in one run, or their medians over runs. A query that emitted nothing has
/// no latency and no SLA attainment (null), never 0 ms or 100%.
/// </summary>
/// <param name="P50Ms"></param>
/// <param name="P95Ms"></param>
/// <param name="P99Ms"></param>
/// <param name="MaxMs"></param>
/// <param name="SlaAttainment">Fraction of the query's outputs within its target; null without outputs.</param>
/// <param name="EventsPerSecond">The query's input events per second.</param>
/// <param name="Outputs"></param>
public sealed record QueryMeasure(double? P50Ms, double? P95Ms, double? P99Ms, double? MaxMs, double? SlaAttainment, double EventsPerSecond, long Outputs)
{
    public static QueryMeasure Of(QueryStats s) => s.Outputs == 0
        ? new(null, null, null, null, null, s.InputEventsPerSecond, 0)
        : new(s.P50Ms, s.P95Ms, s.P99Ms, s.MaxMs, s.SlaAttainment, s.InputEventsPerSecond, s.Outputs);
}

/// <summary>A policy's results for one query: medians over its runs, their spread, and the ratios to <see cref="BenchPolicy.Reference"/>.</summary>
/// <param name="Policy"></param>
/// <param name="Query"></param>
/// <param name="Class"></param>
/// <param name="LatencyTargetMs"></param>
/// <param name="Runs"></param>
/// <param name="Median">Median of each figure over the runs; the SLA attainment of a run without outputs counts as the lowest.</param>
/// <param name="P99MinMs">Lowest p99 of the runs.</param>
/// <param name="P99MaxMs">Highest p99 of the runs.</param>
/// <param name="P99Spread">(highest - lowest) / median p99: how noisy the runs were.</param>
/// <param name="EventsPerSecondSpread">(highest - lowest) / median throughput.</param>
/// <param name="P99VsReference">Median p99 divided by the reference policy's for the same query (above 1: worse than Cameo); null if either is missing.</param>
/// <param name="EventsPerSecondVsReference">Median throughput divided by the reference policy's; null if either is missing or zero.</param>
public sealed record QuerySummary(
    string Policy,
    string Query,
    QueryClass Class,
    double LatencyTargetMs,
    int Runs,
    QueryMeasure Median,
    double? P99MinMs,
    double? P99MaxMs,
    double? P99Spread,
    double EventsPerSecondSpread,
    double? P99VsReference,
    double? EventsPerSecondVsReference);

/// <summary>
/// A policy's results for one query class, judged by its worst query: the one least often on
/// target and the one with the highest p99, by name, so a good average cannot hide a bad tenant.
/// </summary>
/// <param name="Policy"></param>
/// <param name="Class"></param>
/// <param name="Runs"></param>
/// <param name="WorstOnTarget">The class's query with the lowest median SLA attainment (one without outputs counts lowest).</param>
/// <param name="WorstP99">The class's query with the highest median p99, among those that emitted anything; null if none did.</param>
/// <param name="EventsPerSecond">Median over runs of the class's input events per second.</param>
/// <param name="EventsPerSecondSpread">(highest - lowest) / median of the class's throughput.</param>
/// <param name="P99VsReference">Worst p99 divided by the reference policy's worst p99 (the worst queries may differ; both are named).</param>
/// <param name="EventsPerSecondVsReference">Class throughput divided by the reference policy's.</param>
public sealed record ClassSummary(
    string Policy,
    QueryClass Class,
    int Runs,
    QuerySummary WorstOnTarget,
    QuerySummary? WorstP99,
    double EventsPerSecond,
    double EventsPerSecondSpread,
    double? P99VsReference,
    double? EventsPerSecondVsReference)
{
    /// <summary>True if every query of the class emitted outputs and is on target at least <paramref name="attainment"/> of the time.</summary>
    public bool EveryQueryAtLeast(double attainment) => WorstOnTarget.Median.SlaAttainment is { } worst && worst >= attainment;
}

/// <summary>A policy over its runs: the utilization it reached against the one asked, and its priority inversion.</summary>
/// <param name="Policy"></param>
/// <param name="Runs"></param>
/// <param name="Utilization">Median utilization of the workers over the policy's runs.</param>
/// <param name="AskedUtilization">The utilization the asked load means (the load itself: above 1 it cannot be reached).</param>
/// <param name="AtAskedLoad">False when the reached utilization is more than <see cref="BenchSummary.UtilizationBand"/> off the asked one; always true for a scenario with spikes (whose load is the base load).</param>
/// <param name="PriorityInversion">Median p99 and largest max of the runs' priority inversion; null if no run measured any message.</param>
/// <param name="Checkpoints">What the runs' checkpoints cost (medians, largest maxima); null without checkpoints.</param>
public sealed record PolicySummary(string Policy, int Runs, double Utilization, double AskedUtilization, bool AtAskedLoad, PriorityInversion? PriorityInversion, CheckpointStats? Checkpoints = null);

/// <summary>The medians, ratios, worst queries and noise of a <see cref="ScenarioBench"/>, per policy, query and query class.</summary>
public sealed class BenchSummary
{
    /// <summary>How far (absolute fraction) the reached utilization may be from the asked one for the run to count as at that load.</summary>
    public const double UtilizationBand = 0.03;

    public BenchSummary(ScenarioBench bench)
    {
        Load = bench.Settings.Load;
        Policies = [.. bench.Runs.Select(r => r.Policy).Distinct().OrderBy(p => IndexOf(bench.Settings.Policies, p))];
        Classes = [.. bench.Scenario.Queries.Select(q => q.Class).Distinct().Order()];
        bool spiky = bench.Scenario.Spikes.Count > 0;

        var perQuery = new List<(string Policy, WorkloadQuery Query, List<QueryMeasure> Runs)>();
        foreach (var policy in Policies)
        {
            var runs = bench.Runs.Where(r => r.Policy == policy).ToList();
            foreach (var query in bench.Scenario.Queries)
                perQuery.Add((policy, query, [.. runs.SelectMany(r => r.Result.Queries.Where(q => q.Name == query.Name)).Select(q => QueryMeasure.Of(q.Stats))]));
        }
        Queries = [.. perQuery.Select(m =>
        {
            var median = MedianOf(m.Runs);
            var reference = perQuery.FirstOrDefault(r => r.Policy == BenchPolicy.Reference && r.Query == m.Query);
            var referenceMedian = reference.Runs is null ? null : MedianOf(reference.Runs);
            var p99s = m.Runs.Where(r => r.P99Ms is not null).Select(r => r.P99Ms!.Value).ToList();
            return new QuerySummary(
                m.Policy, m.Query.Name, m.Query.Class, m.Query.LatencyTarget.TotalMilliseconds, m.Runs.Count, median,
                p99s.Count == 0 ? null : p99s.Min(), p99s.Count == 0 ? null : p99s.Max(),
                Spread(p99s), Spread([.. m.Runs.Select(r => r.EventsPerSecond)]) ?? 0,
                Ratio(median.P99Ms, referenceMedian?.P99Ms), Ratio(median.EventsPerSecond, referenceMedian?.EventsPerSecond));
        })];

        var perClass = new List<ClassSummary>();
        foreach (var policy in Policies)
            foreach (var cls in Classes)
                perClass.Add(ClassOf(bench, policy, cls));
        Rows = [.. perClass.Select(c =>
        {
            var reference = perClass.FirstOrDefault(r => r.Policy == BenchPolicy.Reference && r.Class == c.Class);
            return c with
            {
                P99VsReference = Ratio(c.WorstP99?.Median.P99Ms, reference?.WorstP99?.Median.P99Ms),
                EventsPerSecondVsReference = Ratio(c.EventsPerSecond, reference?.EventsPerSecond),
            };
        })];

        AskedUtilization = Load;
        PolicyRows = [.. Policies.Select(policy =>
        {
            var policyRuns = bench.Runs.Where(r => r.Policy == policy).ToList();
            var runs = policyRuns.Select(r => r.Result).ToList();
            double utilization = Median(runs.Select(r => r.Utilization));
            var measured = runs.Where(r => r.PriorityInversion.Messages > 0).Select(r => r.PriorityInversion).ToList();
            PriorityInversion? inversion = measured.Count == 0 ? null
                : new PriorityInversion(Median(measured.Select(i => i.P99Ms)), measured.Max(i => i.MaxMs), measured.Sum(i => i.Messages));
            return new PolicySummary(policy, runs.Count, utilization, AskedUtilization, spiky || Math.Abs(utilization - AskedUtilization) <= UtilizationBand, inversion,
                CheckpointStats.Combine(policyRuns.Select(r => r.Checkpoints)));
        })];
        Utilization = Median(bench.Runs.Where(r => r.Policy != IdealBound.Policy).Select(r => r.Result.Utilization));
    }

    /// <summary>The offered load asked for (above 1: overload).</summary>
    public double Load { get; }

    /// <summary>The utilization <see cref="Load"/> asks for: the load itself, so an overload (above 1) is never reached.</summary>
    public double AskedUtilization { get; }

    /// <summary>True for a load above 1: more input than the machine can process.</summary>
    public bool Overload => Load > 1;

    /// <summary>Policies that ran, in the order given.</summary>
    public IReadOnlyList<string> Policies { get; }

    /// <summary>Query classes of the scenario (LS before BA).</summary>
    public IReadOnlyList<QueryClass> Classes { get; }

    /// <summary>One row per policy and query, grouped by policy in scenario order.</summary>
    public IReadOnlyList<QuerySummary> Queries { get; }

    /// <summary>One row per policy and class.</summary>
    public IReadOnlyList<ClassSummary> Rows { get; }

    /// <summary>One row per policy.</summary>
    public IReadOnlyList<PolicySummary> PolicyRows { get; }

    /// <summary>Median utilization of the workers over every run.</summary>
    public double Utilization { get; }

    /// <summary>The row of <paramref name="policy"/> and <paramref name="cls"/>, if that policy ran.</summary>
    public ClassSummary? Find(string policy, QueryClass cls) => Rows.FirstOrDefault(r => r.Policy == policy && r.Class == cls);

    /// <summary>The row of <paramref name="policy"/>, if it ran.</summary>
    public PolicySummary? FindPolicy(string policy) => PolicyRows.FirstOrDefault(r => r.Policy == policy);

    /// <summary>The largest run-to-run p99 spread of any query row, and the median one.</summary>
    public (double Median, double Max)? P99Noise =>
        Queries.Where(r => r.P99Spread is not null).Select(r => r.P99Spread!.Value).ToList() is { Count: > 0 } s ? (Median(s), s.Max()) : null;

    /// <summary>The largest run-to-run throughput spread of any query row.</summary>
    public double ThroughputNoise => Queries.Count == 0 ? 0 : Queries.Max(r => r.EventsPerSecondSpread);

    /// <summary>The median of <paramref name="values"/> (mean of the middle two for an even count); 0 if empty.</summary>
    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        if (sorted.Count == 0) return 0;
        int mid = sorted.Count / 2;
        return sorted.Count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    private ClassSummary ClassOf(ScenarioBench bench, string policy, QueryClass cls)
    {
        var queries = Queries.Where(q => q.Policy == policy && q.Class == cls).ToList();
        // Lowest attainment first; a query without outputs is below every number.
        var worstOnTarget = queries.OrderBy(q => q.Median.SlaAttainment ?? -1).First();
        var worstP99 = queries.Where(q => q.Median.P99Ms is not null).OrderByDescending(q => q.Median.P99Ms).FirstOrDefault();
        var throughputs = bench.Runs.Where(r => r.Policy == policy)
            .Select(r => r.Result.Queries.Where(q => q.Class == cls).Sum(q => q.Stats.InputEventsPerSecond)).ToList();
        return new ClassSummary(policy, cls, throughputs.Count, worstOnTarget, worstP99, Median(throughputs), Spread(throughputs) ?? 0, null, null);
    }

    private static int IndexOf(IReadOnlyList<BenchPolicy> policies, string name)
    {
        for (int i = 0; i < policies.Count; i++)
            if (policies[i].Name == name) return i;
        return policies.Count; // a pseudo-policy added beside the contenders goes last
    }

    private static double? MedianOrNull(IEnumerable<double?> values) =>
        values.Where(v => v is not null).Select(v => v!.Value).ToList() is { Count: > 0 } present ? Median(present) : null;

    /// <summary>The median attainment over runs where a run without outputs counts lowest: null if that is where the median falls.</summary>
    private static double? MedianAttainment(IReadOnlyList<QueryMeasure> runs)
    {
        if (runs.Count == 0) return null;
        var sorted = runs.Select(r => r.SlaAttainment).OrderBy(a => a ?? -1).ToList();
        int mid = sorted.Count / 2;
        if (sorted.Count % 2 == 1) return sorted[mid];
        return sorted[mid - 1] is { } lo && sorted[mid] is { } hi ? (lo + hi) / 2 : null;
    }

    private static QueryMeasure MedianOf(IReadOnlyList<QueryMeasure> runs) => new(
        MedianOrNull(runs.Select(r => r.P50Ms)), MedianOrNull(runs.Select(r => r.P95Ms)),
        MedianOrNull(runs.Select(r => r.P99Ms)), MedianOrNull(runs.Select(r => r.MaxMs)),
        MedianAttainment(runs), Median(runs.Select(r => r.EventsPerSecond)),
        (long)Median(runs.Select(r => (double)r.Outputs)));

    private static double? Spread(IReadOnlyList<double> values)
    {
        if (values.Count == 0) return null;
        double median = Median(values);
        return median <= 0 ? null : (values.Max() - values.Min()) / median;
    }

    /// <summary>value / reference, or null when either is missing or not positive (never a 0.0x ratio).</summary>
    public static double? Ratio(double? value, double? reference) =>
        value is { } v && reference is { } r && r > 0 && v > 0 ? v / r : null;
}
