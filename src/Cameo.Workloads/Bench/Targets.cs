namespace Cameo.Workloads.Bench;

/// <summary>A target checked against the measurements, stated with the numbers.</summary>
/// <param name="Text">E.g. "ls-dashboard 98.3% on target under cameo, the worst LS query (target: every LS query >= 99.9%)".</param>
/// <param name="Met">True or false for a target that was judged; null for a number reported beside one, or a target that could not be judged (the text says why).</param>
/// <param name="Target">True for a target (met, missed or not judged); false for a number reported beside the targets.</param>
public sealed record Verdict(string Text, bool? Met, bool Target = true);

/// <summary>
/// The issue's targets per scenario. Every SLA verdict is on the worst query of its class, by
/// name; a query without outputs is never on target; a ratio with a side missing is not judged;
/// targets stated at a utilization are not judged when the runs did not reach it.
/// </summary>
public static class Targets
{
    public const double MultiTenantP99Ratio = 8;
    public const double MultiTenantP99RatioOnOrleans = 6;
    public const double SingleTenantP99Ratio = 2.7;
    public const double SpikeP99Ratio = 21;
    public const double MultiTenantLsAttainment = 0.999;
    public const double LsAttainment = 0.99;
    public const double BaThroughputShare = 0.97;

    /// <summary>The share of outputs on target every query of nexmark-multi-tenant must reach under Cameo.</summary>
    public const double NexmarkAttainment = 0.99;

    /// <summary>Most the worst-LS p99 under Cameo may grow with checkpoints on.</summary>
    public const double CheckpointP99Ratio = 1.1;
    public const double SameThroughput = 0.05;
    public const double MaxPriorityInversionP99Ms = 1;
    public const int MaxOverloadMiB = 512;

    /// <summary>Most percentage points Cameo's mean per-tenant SLA attainment on a random mix may trail the ideal bound.</summary>
    public const double RandomMixIdealGapPoints = 2;

    /// <summary>Most percentage points Cameo may trail any of fifo, edf, llf and sjf on a random mix.</summary>
    public const double RandomMixBaselineSlackPoints = 0.5;

    /// <summary>The policies Cameo must not trail on a random mix.</summary>
    public static readonly string[] RandomMixBaselines = ["fifo", "edf", "llf", "sjf"];

    /// <summary>The verdicts for <paramref name="bench"/>'s scenario (none for a scenario without targets).</summary>
    public static IReadOnlyList<Verdict> For(ScenarioBench bench, BenchSummary summary)
    {
        const string cameo = BenchPolicy.Reference;
        string baseline = bench.Settings.On.Baseline; // unmodified Orleans on Orleans
        var verdicts = new List<Verdict>();
        switch (bench.Scenario.Name)
        {
            case "multi-tenant":
                verdicts.Add(UtilizationReached(summary, cameo));
                verdicts.Add(AtLoad(summary, [cameo], EveryQueryOnTarget(summary, cameo, QueryClass.LS, MultiTenantLsAttainment)));
                verdicts.Add(AtLoad(summary, [cameo], P99Ratio(summary, baseline, QueryClass.LS, bench.Settings.On.IsOrleans ? MultiTenantP99RatioOnOrleans : MultiTenantP99Ratio)));
                verdicts.Add(Info(P99Ratio(summary, "slots", QueryClass.LS, null)));
                verdicts.Add(AtLoad(summary, [cameo], BaThroughput(summary, baseline)));
                verdicts.Add(AtLoad(summary, [cameo], PriorityInversion(summary, cameo)));
                verdicts.AddRange(WithCheckpoints(summary));
                break;
            case "single-tenant":
                var cls = summary.Classes[0];
                verdicts.Add(UtilizationReached(summary, cameo));
                verdicts.Add(AtLoad(summary, [cameo], P99Ratio(summary, baseline, cls, SingleTenantP99Ratio)));
                verdicts.Add(AtLoad(summary, [cameo], Throughput(summary, baseline, cls)));
                break;
            case "overload":
                verdicts.Add(EveryQueryOnTarget(summary, cameo, QueryClass.LS, LsAttainment));
                verdicts.Add(EveryQueryOnTarget(summary, baseline, QueryClass.LS, null));
                long peak = bench.Runs.Count == 0 ? 0 : bench.Runs.Max(r => r.Result.PeakWorkingSetBytes);
                verdicts.Add(new($"peak working set = {peak / (1024.0 * 1024):0} MiB (target < {MaxOverloadMiB} MiB)", peak > 0 ? peak < MaxOverloadMiB * 1024L * 1024 : null));
                break;
            case RandomMix.ScenarioName:
                verdicts.AddRange(RandomMixVerdicts(bench));
                break;
            case Nexmark.NexmarkMultiTenant.ScenarioName:
                verdicts.Add(UtilizationReached(summary, cameo));
                foreach (var c in summary.Classes)
                    verdicts.Add(AtLoad(summary, [cameo], EveryQueryOnTarget(summary, cameo, c, NexmarkAttainment)));
                foreach (var c in summary.Classes)
                    verdicts.Add(EveryQueryOnTarget(summary, baseline, c, null));
                foreach (var c in summary.Classes)
                    verdicts.Add(P99Ratio(summary, baseline, c, null));
                verdicts.AddRange(WithCheckpoints(summary));
                break;
            case "spike":
                verdicts.Add(EveryQueryOnTarget(summary, cameo, QueryClass.LS, LsAttainment));
                verdicts.Add(EveryQueryOnTarget(summary, baseline, QueryClass.LS, null));
                verdicts.Add(EveryQueryOnTarget(summary, "slots", QueryClass.LS, null));
                verdicts.Add(P99Ratio(summary, baseline, QueryClass.LS, SpikeP99Ratio));
                break;
        }
        return verdicts;
    }

    /// <summary>
    /// Mean over tenants of each tenant's SLA attainment in one run of <paramref name="policy"/>,
    /// median over its runs (tenants without outputs do not count); null if it did not run.
    /// </summary>
    public static double? MeanTenantAttainment(ScenarioBench bench, string policy)
    {
        var perRun = bench.Runs.Where(r => r.Policy == policy)
            .Select(r => r.Result.Queries.Where(q => q.Stats.Outputs > 0).Select(q => q.Stats.SlaAttainment).DefaultIfEmpty(double.NaN).Average())
            .Where(x => !double.IsNaN(x)).ToList();
        return perRun.Count == 0 ? null : BenchSummary.Median(perRun);
    }

    /// <summary>How far below (positive <paramref name="behindPoints"/>) or above (negative) another mean Cameo's is.</summary>
    private static string Gap(double behindPoints) => behindPoints >= 0 ? $"{behindPoints:0.0} points below" : $"{-behindPoints:0.0} points above";

    private static IEnumerable<Verdict> RandomMixVerdicts(ScenarioBench bench)
    {
        const string cameo = BenchPolicy.Reference;
        var policies = bench.Runs.Select(r => r.Policy).Distinct().ToList();
        var means = policies.Select(p => (Policy: p, Mean: MeanTenantAttainment(bench, p))).Where(m => m.Mean is not null).ToList();
        yield return new("mean per-tenant SLA attainment: " + string.Join(", ", means.Select(m => $"{m.Policy} {Format.Pct(m.Mean!.Value, 1)}")), null);
        double? ours = MeanTenantAttainment(bench, cameo), ideal = MeanTenantAttainment(bench, IdealBound.Policy);
        string gapGoal = $"target within {RandomMixIdealGapPoints:0.#} points";
        yield return ours is { } c && ideal is { } i
            ? new($"{cameo} {Format.Pct(c, 1)} vs {IdealBound.Policy} {Format.Pct(i, 1)}: {Gap((i - c) * 100)} the ideal bound ({gapGoal})", (i - c) * 100 <= RandomMixIdealGapPoints)
            : new($"{cameo} vs {IdealBound.Policy}: not measured ({gapGoal})", null);
        var baselines = means.Where(m => RandomMixBaselines.Contains(m.Policy)).ToList();
        string slackGoal = $"target no more than {RandomMixBaselineSlackPoints:0.0#} point below any of {string.Join(", ", RandomMixBaselines)}";
        if (ours is { } mine && baselines.Count > 0)
        {
            var best = baselines.MaxBy(m => m.Mean!.Value);
            double behind = (best.Mean!.Value - mine) * 100;
            yield return new($"{cameo} {Format.Pct(mine, 1)} vs the best baseline, {best.Policy} {Format.Pct(best.Mean.Value, 1)}: {Gap(behind)} ({slackGoal})", behind <= RandomMixBaselineSlackPoints);
        }
        else yield return new($"{cameo} vs {string.Join(", ", RandomMixBaselines)}: not measured ({slackGoal})", null);
        if (bench.Runs.FirstOrDefault(r => r.Policy == cameo) is { } run && run.Result.Queries.Where(q => q.Stats.Outputs > 0).MinBy(q => q.Stats.SlaAttainment) is { } worst)
        {
            var idealRun = bench.Runs.FirstOrDefault(r => r.Policy == IdealBound.Policy);
            string bound = idealRun?.Result.Queries.FirstOrDefault(q => q.Name == worst.Name) is { Stats.Outputs: > 0 } q ? $", {IdealBound.Policy} {Format.Pct(q.Stats.SlaAttainment, 1)}" : "";
            yield return new($"worst tenant under {cameo}: {worst.Name} {Format.Pct(worst.Stats.SlaAttainment, 1)} on target (p99 {worst.Stats.P99Ms:0.#} ms, target {worst.LatencyTargetMs:0} ms{bound})", null);
        }
    }

    /// <summary>
    /// The verdicts of one policy's runs alone (`cameo run`): the utilization reached, the worst
    /// query of each class on target by name (LS held to the multi-tenant target, the others
    /// reported), and priority inversion (held to its target under Cameo).
    /// </summary>
    public static IReadOnlyList<Verdict> ForPolicy(BenchSummary summary, string policy)
    {
        var verdicts = new List<Verdict> { UtilizationReached(summary, policy) };
        foreach (var cls in summary.Classes)
        {
            verdicts.Add(cls == QueryClass.LS
                ? AtLoad(summary, [policy], EveryQueryOnTarget(summary, policy, cls, MultiTenantLsAttainment))
                : EveryQueryOnTarget(summary, policy, cls, null));
        }
        var inversion = AtLoad(summary, [policy], PriorityInversion(summary, policy));
        verdicts.Add(policy == BenchPolicy.Reference ? inversion : Info(inversion));
        return verdicts;
    }

    /// <summary>The same verdict as a number reported beside the targets.</summary>
    public static Verdict Info(Verdict verdict) => verdict with { Met = null, Target = false };

    /// <summary>
    /// "utilization 89.4% under cameo (asked 90%; target within 3 points); fifo 91.0%": met if
    /// <paramref name="policy"/> reached the asked utilization within <see cref="BenchSummary.UtilizationBand"/>.
    /// The other policies ran at the same input rates; their utilization is reported beside it.
    /// </summary>
    public static Verdict UtilizationReached(BenchSummary summary, string policy)
    {
        string goal = $"asked {Format.Load(summary.Load)}; target within {BenchSummary.UtilizationBand * 100:0} points";
        var others = summary.PolicyRows.Where(p => p.Policy != policy).ToList();
        string beside = others.Count == 0 ? "" : $"; at the same input {string.Join(", ", others.Select(p => $"{p.Policy} {Format.Pct(p.Utilization, 1)}"))}";
        if (summary.FindPolicy(policy) is not { } row) return new($"utilization under {policy}: not measured ({policy} did not run) ({goal}){beside}", null);
        string off = row.AtAskedLoad ? "" : $"; off the asked load by more than {BenchSummary.UtilizationBand * 100:0} points";
        return new($"utilization {Format.Pct(row.Utilization, 1)} under {policy} ({goal}){off}{beside}", row.AtAskedLoad);
    }

    /// <summary>
    /// <paramref name="verdict"/> if every one of <paramref name="policies"/> that ran reached the
    /// asked utilization; else the same numbers, not judged (a target stated at a load says nothing
    /// at another). Targets are stated at Cameo's utilization: the policies compared with it run at
    /// the same input rates, whatever utilization that gives them.
    /// </summary>
    public static Verdict AtLoad(BenchSummary summary, IReadOnlyList<string> policies, Verdict verdict)
    {
        var off = policies.Distinct().Select(summary.FindPolicy).OfType<PolicySummary>().Where(p => !p.AtAskedLoad).ToList();
        if (off.Count == 0 || verdict.Met is null) return verdict;
        string why = string.Join(", ", off.Select(p => $"{p.Policy} reached {Format.Pct(p.Utilization, 1)}"));
        return verdict with { Text = $"{verdict.Text}; not judged: {why}, off the asked {Format.Load(summary.Load)} by more than {BenchSummary.UtilizationBand * 100:0} points", Met = null };
    }

    /// <summary>
    /// "ls-dashboard 98.3% on target under cameo, the worst LS query (target: every LS query >= 99%)".
    /// A query without outputs is named with n/a and misses the target. Without
    /// <paramref name="attainment"/>, the same numbers are reported beside the targets.
    /// </summary>
    public static Verdict EveryQueryOnTarget(BenchSummary summary, string policy, QueryClass cls, double? attainment)
    {
        string goal = attainment is { } min ? $" (target: every {cls} query >= {Format.Pct(min, min >= 0.999 ? 1 : 0)})" : "";
        var row = summary.Find(policy, cls);
        if (row is null) return new($"{cls} on target under {policy}: not measured ({policy} did not run){goal}", null, attainment is not null);
        var worst = row.WorstOnTarget;
        string text = worst.Median.SlaAttainment is { } a
            ? $"{worst.Query} {Format.Sla(a)} on target under {policy}, the worst {cls} query"
            : $"{worst.Query} n/a under {policy}: no outputs";
        return attainment is { } target ? new(text + goal, row.EveryQueryAtLeast(target)) : new(text, null, Target: false);
    }

    /// <summary>
    /// "worst-LS p99 fifo/cameo = 12x: ls-dashboard 310 ms / ls-alerts 26 ms (target >= 8x)"; not
    /// judged when either side has no p99.
    /// </summary>
    public static Verdict P99Ratio(BenchSummary summary, string baseline, QueryClass cls, double? target)
    {
        string what = $"{(summary.Classes.Count > 1 ? $"worst-{cls} " : "")}p99 {baseline}/{BenchPolicy.Reference}";
        string goal = target is { } t ? $"target >= {t:0.#}x" : "no target";
        var row = summary.Find(baseline, cls);
        var reference = summary.Find(BenchPolicy.Reference, cls);
        if (row is null || reference is null)
            return new($"{what}: not measured ({(row is null ? baseline : BenchPolicy.Reference)} did not run) ({goal})", null, target is not null);
        if (row.P99VsReference is not { } ratio)
            return new($"{what}: n/a ({(row.WorstP99 is null ? baseline : BenchPolicy.Reference)} emitted no {cls} output) ({goal})", null, target is not null);
        string detail = $"{row.WorstP99!.Query} {Format.Ms(row.WorstP99.Median.P99Ms!.Value)} ms / {reference.WorstP99!.Query} {Format.Ms(reference.WorstP99.Median.P99Ms!.Value)} ms";
        return new($"{what} = {Format.Ratio(ratio)}: {detail} ({goal})", target is { } min ? ratio >= min : null, target is not null);
    }

    /// <summary>"BA throughput cameo/fifo = 98.1% (target >= 97%)".</summary>
    public static Verdict BaThroughput(BenchSummary summary, string baseline)
    {
        string goal = $"target >= {Format.Pct(BaThroughputShare)}";
        var row = summary.Find(baseline, QueryClass.BA);
        if (row?.EventsPerSecondVsReference is not { } ratio) return new($"BA throughput {BenchPolicy.Reference}/{baseline}: n/a ({goal})", null);
        double share = 1 / ratio; // the row holds baseline/cameo
        return new($"BA throughput {BenchPolicy.Reference}/{baseline} = {Format.Pct(share, 1)} ({goal})", share >= BaThroughputShare);
    }

    /// <summary>"priority inversion under cameo: p99 0.42 ms, max 3.1 ms (target p99 &lt;= 1 ms)"; n/a when the runtime measured no message.</summary>
    public static Verdict PriorityInversion(BenchSummary summary, string policy)
    {
        string goal = $"target p99 <= {MaxPriorityInversionP99Ms:0.#} ms";
        var row = summary.FindPolicy(policy);
        if (row is null) return new($"priority inversion under {policy}: not measured ({policy} did not run) ({goal})", null);
        if (row.PriorityInversion is not { } pi) return new($"priority inversion under {policy}: n/a (the runtime measured no message) ({goal})", null);
        return new($"priority inversion under {policy}: p99 {Format.Ms(pi.P99Ms)} ms, max {Format.Ms(pi.MaxMs)} ms ({goal})", pi.P99Ms <= MaxPriorityInversionP99Ms);
    }

    /// <summary>
    /// Cameo with checkpoints on against Cameo without (when <c>cameo/ckpt</c> ran): worst-LS p99
    /// within <see cref="CheckpointP99Ratio"/>, every LS query on target at least <see cref="LsAttainment"/>,
    /// BA throughput at least <see cref="BaThroughputShare"/>; then what each checkpointed contender's
    /// checkpoints took and weighed.
    /// </summary>
    public static IEnumerable<Verdict> WithCheckpoints(BenchSummary summary)
    {
        string ckpt = BenchPolicy.CheckpointedName(BenchPolicy.Reference);
        if (summary.FindPolicy(ckpt) is null) yield break;
        string[] both = [BenchPolicy.Reference, ckpt];
        string p99Goal = $"target <= {CheckpointP99Ratio:0.0#}x";
        var ls = summary.Find(ckpt, QueryClass.LS);
        var reference = summary.Find(BenchPolicy.Reference, QueryClass.LS);
        yield return AtLoad(summary, both, ls?.P99VsReference is { } ratio
            ? new($"worst-LS p99 {ckpt} vs {BenchPolicy.Reference} = {Format.Ratio(ratio)}: {ls.WorstP99!.Query} {Format.Ms(ls.WorstP99.Median.P99Ms!.Value)} ms / {reference!.WorstP99!.Query} {Format.Ms(reference.WorstP99.Median.P99Ms!.Value)} ms ({p99Goal})", ratio <= CheckpointP99Ratio)
            : new($"worst-LS p99 {ckpt} vs {BenchPolicy.Reference}: n/a ({p99Goal})", null));
        yield return AtLoad(summary, both, EveryQueryOnTarget(summary, ckpt, QueryClass.LS, LsAttainment));
        string baGoal = $"target >= {Format.Pct(BaThroughputShare)}";
        yield return AtLoad(summary, both, summary.Find(ckpt, QueryClass.BA)?.EventsPerSecondVsReference is { } share
            ? new($"BA throughput {ckpt} vs {BenchPolicy.Reference} = {Format.Pct(share, 1)} ({baGoal})", share >= BaThroughputShare)
            : new($"BA throughput {ckpt} vs {BenchPolicy.Reference}: n/a ({baGoal})", null));
        foreach (var row in summary.PolicyRows.Where(p => p.Policy.EndsWith(BenchPolicy.CheckpointedSuffix, StringComparison.Ordinal)))
            yield return new(row.Checkpoints is { } c
                ? $"checkpoints under {row.Policy}: {c.Completed} per run, duration median {Format.Ms(c.DurationP50Ms)} ms (max {Format.Ms(c.DurationMaxMs)} ms), size median {c.SizeP50Bytes / 1024:0.#} KiB (max {c.SizeMaxBytes / 1024.0:0.#} KiB)"
                : $"checkpoints under {row.Policy}: none completed", null, Target: false);
    }

    private static Verdict Throughput(BenchSummary summary, string baseline, QueryClass cls)
    {
        string goal = $"the p99 comparison holds at the same throughput: target within {Format.Pct(SameThroughput)}";
        var row = summary.Find(baseline, cls);
        if (row?.EventsPerSecondVsReference is not { } ratio) return new($"throughput {BenchPolicy.Reference}/{baseline}: n/a ({goal})", null);
        double share = 1 / ratio;
        return new($"throughput {BenchPolicy.Reference}/{baseline} = {Format.Pct(share, 1)} ({goal})", Math.Abs(share - 1) <= SameThroughput);
    }
}
