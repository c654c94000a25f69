
namespace Cameo.Workloads.Bench;

/// <summary>A target of the paper checked against the measurements, stated with the numbers.</summary>
/// <param name="Text">E.g. "LS p99 fifo/cameo = 7.3x (target >= 4.6x)".</param>
/// <param name="Met">True or false for a target; null for a number reported beside one, or a target that could not be checked.</param>
public sealed record Verdict(string Text, bool? Met);

/// <summary>
/// The targets per scenario, from the paper: 4.6x lower LS tail latency with many tenants at
/// no cost to bulk throughput, 2.7x with a single tenant, and LS queries on target through spikes.
/// </summary>
public static class Targets
{
    public const double MultiTenantP99Ratio = 4.6;
    public const double SingleTenantP99Ratio = 2.7;
    public const double LsSlaAttainment = 0.99;
    public const double MinUtilization = 0.85;
    public const double BaThroughputShare = 0.95;
    public const int MaxOverloadMiB = 512;

    /// <summary>The verdicts for <paramref name="bench"/>'s scenario (none for a scenario without targets).</summary>
    public static IReadOnlyList<Verdict> For(ScenarioBench bench, BenchSummary summary)
    {
        const string cameo = BenchPolicy.Reference;
        string fifo = bench.Settings.On.Baseline; // unmodified Orleans on Orleans
        var verdicts = new List<Verdict>();
        switch (bench.Scenario.Name)
        {
            case "multi-tenant":
                verdicts.Add(P99Ratio(summary, fifo, QueryClass.LS, MultiTenantP99Ratio));
                verdicts.Add(P99Ratio(summary, "slots", QueryClass.LS, null));
                verdicts.Add(LsAttainment(summary, cameo, withUtilization: true));
                verdicts.Add(BaThroughput(summary, fifo));
                break;
            case "single-tenant":
                var cls = summary.Classes[0];
                verdicts.Add(P99Ratio(summary, fifo, cls, SingleTenantP99Ratio));
                verdicts.Add(Throughput(summary, fifo, cls));
                break;
            case "overload":
                verdicts.Add(LsAttainment(summary, cameo, withUtilization: false));
                verdicts.Add(LsAttainment(summary, fifo, withUtilization: false) with { Met = null });
                long peak = bench.Runs.Count == 0 ? 0 : bench.Runs.Max(r => r.Result.PeakWorkingSetBytes);
                verdicts.Add(new($"peak working set = {peak / (1024.0 * 1024):0} MiB (target < {MaxOverloadMiB} MiB)", peak > 0 ? peak < MaxOverloadMiB * 1024L * 1024 : null));
                break;
            case "spike":
                verdicts.Add(LsAttainment(summary, cameo, withUtilization: false));
                verdicts.Add(LsAttainment(summary, fifo, withUtilization: false) with { Met = null });
                verdicts.Add(LsAttainment(summary, "slots", withUtilization: false) with { Met = null });
                verdicts.Add(P99Ratio(summary, fifo, QueryClass.LS, null));
                break;
        }
        return verdicts;
    }

    private static string Label(QueryClass cls, BenchSummary summary) => summary.Classes.Count > 1 ? $"{cls} " : "";

    private static Verdict P99Ratio(BenchSummary summary, string baseline, QueryClass cls, double? target)
    {
        string what = $"{Label(cls, summary)}p99 {baseline}/{BenchPolicy.Reference}";
        var row = summary.Find(baseline, cls);
        string goal = target is { } t ? $"target >= {t:0.0}x" : "no target";
        if (row?.P99VsReference is not { } ratio) return new($"{what}: not measured ({baseline} or {BenchPolicy.Reference} did not run or emitted nothing) ({goal})", null);
        return new($"{what} = {ratio:0.0}x ({goal})", target is { } min ? ratio >= min : null);
    }

    private static Verdict LsAttainment(BenchSummary summary, string policy, bool withUtilization)
    {
        var row = summary.Find(policy, QueryClass.LS);
        string goal = withUtilization ? $"target >= {Format.Pct(LsSlaAttainment)} at >= {Format.Pct(MinUtilization)} utilization" : $"target >= {Format.Pct(LsSlaAttainment)}";
        if (row is null) return new($"LS SLA attainment under {policy}: not measured ({policy} did not run) ({goal})", null);
        string text = $"LS SLA attainment under {policy} = {Format.Pct(row.Median.SlaAttainment, 1)}" + (withUtilization ? $" at {Format.Pct(row.Utilization)} utilization" : "");
        bool met = row.Median.SlaAttainment >= LsSlaAttainment && (!withUtilization || row.Utilization >= MinUtilization);
        return new($"{text} ({goal})", met);
    }

    private static Verdict BaThroughput(BenchSummary summary, string baseline)
    {
        var row = summary.Find(baseline, QueryClass.BA);
        string goal = $"target >= {Format.Pct(BaThroughputShare)}";
        if (row?.EventsPerSecondVsReference is not { } ratio || ratio <= 0) return new($"BA throughput {BenchPolicy.Reference}/{baseline}: not measured ({goal})", null);
        double share = 1 / ratio; // the row holds baseline/cameo
        return new($"BA throughput {BenchPolicy.Reference}/{baseline} = {Format.Pct(share, 1)} ({goal})", share >= BaThroughputShare);
    }

    private static Verdict Throughput(BenchSummary summary, string baseline, QueryClass cls)
    {
        var row = summary.Find(baseline, cls);
        string goal = $"the p99 comparison holds at the same throughput: target within {Format.Pct(1 - BaThroughputShare)}";
        if (row?.EventsPerSecondVsReference is not { } ratio || ratio <= 0) return new($"throughput {BenchPolicy.Reference}/{baseline}: not measured ({goal})", null);
        double share = 1 / ratio;
        return new($"throughput {BenchPolicy.Reference}/{baseline} = {Format.Pct(share, 1)} ({goal})", Math.Abs(share - 1) <= 1 - BaThroughputShare);
    }
}
