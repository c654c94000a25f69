using Cameo.Cli.Bench;
using Cameo.Metrics;
using Cameo.Workloads.Bench;

namespace Cameo.Workloads.Tests;

/// <summary>Medians, ratios, verdicts and plot data computed from hand-made run results.</summary>
public class BenchSummaryTests
{
    private static readonly BenchSettings Settings = new(BenchPolicy.ParseList("cameo,fifo,slots"), 1, 0, 0.9, 3, 1, 2, 1);

    [Fact]
    public void Rounds_rotate_so_each_policy_runs_first_once()
    {
        var policies = BenchPolicy.ParseList("cameo,fifo,slots");

        var orders = Enumerable.Range(1, 4).Select(r => string.Join(",", BenchRunner.RoundOrder(policies, r).Select(p => p.Name))).ToList();

        Assert.Equal(["cameo,fifo,slots", "fifo,slots,cameo", "slots,cameo,fifo", "cameo,fifo,slots"], orders);
    }

    [Fact]
    public void Slots_is_the_thread_per_instance_baseline_with_fifo_inside()
    {
        var slots = BenchPolicy.Parse("SLOTS");

        Assert.True(slots.Slots);
        Assert.Equal("fifo", slots.Policy.Name);
        Assert.Equal("slots", slots.Name);
        Assert.Throws<ArgumentException>(() => BenchPolicy.ParseList(" , "));
    }

    [Fact]
    public void Medians_over_rounds_worst_query_latency_and_output_weighted_attainment()
    {
        // LS: two queries; the class's p99 is the worse of the two, its attainment weighted by outputs.
        var bench = Bench(
            Run("cameo", 1, 0.80, Ls("a", p99: 10, outputs: 900, sla: 1.0), Ls("b", p99: 20, outputs: 100, sla: 0.5), Ba(eps: 1000)),
            Run("cameo", 2, 0.90, Ls("a", p99: 30, outputs: 100, sla: 1.0), Ls("b", p99: 5, outputs: 100, sla: 1.0), Ba(eps: 3000)),
            Run("cameo", 3, 0.85, Ls("a", p99: 25, outputs: 100, sla: 1.0), Ls("b", p99: 5, outputs: 100, sla: 0.0), Ba(eps: 2000)),
            Run("fifo", 1, 0.95, Ls("a", p99: 100, outputs: 10, sla: 0.1), Ls("b", p99: 300, outputs: 10, sla: 0.1), Ba(eps: 2100)));

        var summary = new BenchSummary(bench);

        var cameo = summary.Find("cameo", QueryClass.LS)!;
        Assert.Equal(3, cameo.Runs);
        Assert.Equal(25, cameo.Median.P99Ms);          // per-round worst: 20, 30, 25
        Assert.Equal(20, cameo.P99MinMs);
        Assert.Equal(30, cameo.P99MaxMs);
        Assert.Equal((30 - 20) / 25.0, cameo.P99Spread!.Value, 9);
        Assert.Equal(0.95, cameo.Median.SlaAttainment, 9); // per round: 950/1000, 1, 0.5
        Assert.Equal(0.85, cameo.Utilization, 9);
        var fifo = summary.Find("fifo", QueryClass.LS)!;
        Assert.Equal(300 / 25.0, fifo.P99VsReference!.Value, 9);
        Assert.Equal(2100 / 2000.0, summary.Find("fifo", QueryClass.BA)!.EventsPerSecondVsReference!.Value, 9);
        Assert.Null(summary.Find("slots", QueryClass.LS)); // did not run
        Assert.Equal([QueryClass.LS, QueryClass.BA], summary.Classes);
        Assert.Equal(0.875, summary.Utilization, 9); // median of 0.80, 0.85, 0.90, 0.95
    }

    [Fact]
    public void A_class_that_emitted_nothing_has_no_latency_rather_than_zero()
    {
        var bench = Bench(Run("cameo", 1, 0.5, Ls("a", p99: 10, outputs: 10, sla: 1), Ba(eps: 10, outputs: 0)));

        var ba = new BenchSummary(bench).Find("cameo", QueryClass.BA)!;

        Assert.Null(ba.Median.P99Ms);
        Assert.Equal(1.0, ba.Median.SlaAttainment);
    }

    [Fact]
    public void Multi_tenant_verdicts_state_the_numbers_and_whether_each_target_is_met()
    {
        var bench = Bench(
            Run("cameo", 1, 0.90, Ls("a", p99: 10, outputs: 1000, sla: 0.995), Ba(eps: 960)),
            Run("fifo", 1, 0.92, Ls("a", p99: 50, outputs: 1000, sla: 0.2), Ba(eps: 1000)));

        var verdicts = Targets.For(bench, new BenchSummary(bench));

        Assert.Contains(new Verdict("LS p99 fifo/cameo = 5.0x (target >= 4.6x)", true), verdicts);
        Assert.Contains(verdicts, v => v.Text.StartsWith("LS p99 slots/cameo: not measured") && v.Met is null);
        Assert.Contains(new Verdict("LS SLA attainment under cameo = 99.5% at 90% utilization (target >= 99% at >= 85% utilization)", true), verdicts);
        Assert.Contains(new Verdict("BA throughput cameo/fifo = 96.0% (target >= 95%)", true), verdicts);

        var worse = Bench(
            Run("cameo", 1, 0.80, Ls("a", p99: 10, outputs: 1000, sla: 0.995), Ba(eps: 900)),
            Run("fifo", 1, 0.92, Ls("a", p99: 40, outputs: 1000, sla: 0.2), Ba(eps: 1000)));
        Assert.All(Targets.For(worse, new BenchSummary(worse)).Where(v => v.Met is not null), v => Assert.False(v.Met));
    }

    [Fact]
    public void Pooled_cdf_weights_each_query_by_its_outputs()
    {
        // Query a: all 300 outputs at 1 ms; query b: all 100 outputs at 10 ms.
        var a = Ls("a", p99: 1, outputs: 300, sla: 1) with { Cdf = [(1.0, 0.0), (1.0, 1.0)] };
        var b = Ls("b", p99: 10, outputs: 100, sla: 1) with { Cdf = [(10.0, 0.0), (10.0, 1.0)] };

        var cdf = BenchPlots.PooledCdf([a, b]);

        Assert.Equal([(1.0, 0.0), (1.0, 0.75), (10.0, 1.0)], cdf);
        Assert.Empty(BenchPlots.PooledCdf([Ba(eps: 1, outputs: 0)]));
    }

    private static ScenarioBench Bench(params BenchRun[] runs) =>
        new(Scenario.MultiTenant(), Settings, 1, new Capacity(new Dictionary<string, double>(), []), TimeSpan.Zero, runs);

    private static BenchRun Run(string policy, int repeat, double utilization, params QueryResult[] queries) =>
        new(policy, repeat, new RunResult(policy, "embedded", 2, utilization, queries, 0));

    private static QueryResult Ls(string name, double p99, long outputs, double sla) =>
        Query(name, QueryClass.LS, 20, p99, outputs, sla, eps: 100);

    private static QueryResult Ba(double eps, long outputs = 10) => Query("ba", QueryClass.BA, 2000, 500, outputs, 1.0, eps);

    private static QueryResult Query(string name, QueryClass cls, double targetMs, double p99, long outputs, double sla, double eps) =>
        new(name, cls, targetMs, eps, new QueryStats(name, TimeSpan.FromMilliseconds(targetMs), outputs, p99 / 2, p99 * 0.9, p99, p99 * 1.5, sla, eps, outputs, 0, 0, []), []);
}
