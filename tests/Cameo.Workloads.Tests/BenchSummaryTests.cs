using System.Text.Json;
using Cameo.Cli.Bench;
using Cameo.Metrics;
using Cameo.Workloads.Bench;

namespace Cameo.Workloads.Tests;

/// <summary>Medians, worst queries, ratios, verdicts, results.json and plot data computed from hand-made run results.</summary>
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
    public void Each_query_has_its_medians_and_the_class_is_judged_by_its_worst_query_by_name()
    {
        var bench = Bench(
            Run("cameo", 1, 0.90, Ls("ls-alerts", p99: 10, outputs: 9000, sla: 1.0), Ls("ls-dashboard", p99: 20, outputs: 100, sla: 0.90), Ba(eps: 1000)),
            Run("cameo", 2, 0.90, Ls("ls-alerts", p99: 30, outputs: 9000, sla: 1.0), Ls("ls-dashboard", p99: 5, outputs: 100, sla: 0.95), Ba(eps: 3000)),
            Run("cameo", 3, 0.90, Ls("ls-alerts", p99: 25, outputs: 9000, sla: 0.999), Ls("ls-dashboard", p99: 5, outputs: 100, sla: 0.99), Ba(eps: 2000)),
            Run("fifo", 1, 0.90, Ls("ls-alerts", p99: 100, outputs: 9000, sla: 0.5), Ls("ls-dashboard", p99: 300, outputs: 100, sla: 0.1), Ba(eps: 2100)));

        var summary = new BenchSummary(bench);

        var alerts = summary.Queries.Single(q => q is { Policy: "cameo", Query: "ls-alerts" });
        Assert.Equal(3, alerts.Runs);
        Assert.Equal(25, alerts.Median.P99Ms);
        Assert.Equal(10, alerts.P99MinMs);
        Assert.Equal(30, alerts.P99MaxMs);
        Assert.Equal((30 - 10) / 25.0, alerts.P99Spread!.Value, 9);
        Assert.Equal(1.0, alerts.Median.SlaAttainment);
        var ls = summary.Find("cameo", QueryClass.LS)!;
        // An output-weighted class figure would be 99.95% on target; the dashboard tenant is not.
        Assert.Equal("ls-dashboard", ls.WorstOnTarget.Query);
        Assert.Equal(0.95, ls.WorstOnTarget.Median.SlaAttainment);
        Assert.False(ls.EveryQueryAtLeast(0.99));
        Assert.Equal("ls-alerts", ls.WorstP99!.Query);
        var fifo = summary.Find("fifo", QueryClass.LS)!;
        Assert.Equal("ls-dashboard", fifo.WorstP99!.Query);
        Assert.Equal(300 / 25.0, fifo.P99VsReference!.Value, 9); // worst fifo query / worst cameo query
        Assert.Equal(300 / 5.0, summary.Queries.Single(q => q is { Policy: "fifo", Query: "ls-dashboard" }).P99VsReference!.Value, 9);
        Assert.Equal(2100 / 2000.0, summary.Find("fifo", QueryClass.BA)!.EventsPerSecondVsReference!.Value, 9);
        Assert.Null(summary.Find("slots", QueryClass.LS)); // did not run
        Assert.Equal([QueryClass.LS, QueryClass.BA], summary.Classes);

        var verdict = Targets.EveryQueryOnTarget(summary, "cameo", QueryClass.LS, 0.99);
        Assert.False(verdict.Met);
        Assert.StartsWith("ls-dashboard 95.0% on target under cameo, the worst LS query", verdict.Text);
    }

    [Fact]
    public void A_query_without_outputs_is_n_a_never_100_percent_and_never_meets_a_target()
    {
        var bench = Bench(
            Run("cameo", 1, 0.9, Ls("ls-alerts", p99: 10, outputs: 1000, sla: 1), Ls("ls-dashboard", p99: 0, outputs: 0, sla: 1), Ba(eps: 10, outputs: 0)),
            Run("fifo", 1, 0.9, Ls("ls-alerts", p99: 40, outputs: 1000, sla: 1), Ls("ls-dashboard", p99: 0, outputs: 0, sla: 1), Ba(eps: 10, outputs: 0)));

        var summary = new BenchSummary(bench);

        var dashboard = summary.Queries.Single(q => q is { Policy: "cameo", Query: "ls-dashboard" });
        Assert.Null(dashboard.Median.SlaAttainment);
        Assert.Null(dashboard.Median.P99Ms);
        var ls = summary.Find("cameo", QueryClass.LS)!;
        Assert.Equal("ls-dashboard", ls.WorstOnTarget.Query);
        Assert.False(ls.EveryQueryAtLeast(0));
        Assert.Equal("ls-alerts", ls.WorstP99!.Query); // the worst p99 among queries that emitted
        var verdict = Targets.EveryQueryOnTarget(summary, "cameo", QueryClass.LS, 0.99);
        Assert.False(verdict.Met);
        Assert.Contains("ls-dashboard n/a", verdict.Text);
        Assert.DoesNotContain("100", verdict.Text);
        // BA emitted nothing under either policy: no p99 ratio, not a 0.0x one.
        var ba = Targets.P99Ratio(summary, "fifo", QueryClass.BA, 2);
        Assert.Null(ba.Met);
        Assert.Contains("n/a", ba.Text);
        Assert.DoesNotContain("0.0x", ba.Text);
        Assert.Equal("n/a", Format.Sla(null));
    }

    [Fact]
    public void A_ratio_with_a_side_missing_or_zero_is_n_a_and_small_ratios_keep_their_digits()
    {
        Assert.Null(BenchSummary.Ratio(5, 0));
        Assert.Null(BenchSummary.Ratio(0, 5));
        Assert.Null(BenchSummary.Ratio(null, 5));
        Assert.Equal("n/a", Format.Ratio(null));
        Assert.Equal("0.04x", Format.Ratio(0.04));
        Assert.Equal("<0.01x", Format.Ratio(0.001));
        Assert.Equal("4.6x", Format.Ratio(4.6));
        Assert.Equal("21x", Format.Ratio(21.3));
    }

    [Fact]
    public void Sla_attainment_is_rounded_down_so_100_percent_means_every_output()
    {
        Assert.Equal("99.99%", Format.Sla(0.99996));
        Assert.Equal("100.00%", Format.Sla(1.0));
        Assert.Equal("99.90%", Format.Sla(0.999));
        Assert.Equal("91.7%", Format.Sla(0.9175));
    }

    [Fact]
    public void Multi_tenant_verdicts_name_the_worst_query_and_state_every_number()
    {
        var bench = Bench(
            Run("cameo", 1, 0.90, new PriorityInversion(0.4, 2.5, 1000), Ls("ls-alerts", p99: 4, outputs: 9000, sla: 1), Ls("ls-dashboard", p99: 10, outputs: 100, sla: 0.9995), Ba(eps: 980)),
            Run("fifo", 1, 0.92, Ls("ls-alerts", p99: 50, outputs: 9000, sla: 0.2), Ls("ls-dashboard", p99: 90, outputs: 100, sla: 0.5), Ba(eps: 1000)));

        var verdicts = Targets.For(bench, new BenchSummary(bench));

        Assert.Contains(new Verdict("utilization 90.0% under cameo (asked 90%; target within 3 points); at the same input fifo 92.0%", true), verdicts);
        Assert.Contains(new Verdict("ls-dashboard 99.95% on target under cameo, the worst LS query (target: every LS query >= 99.9%)", true), verdicts);
        Assert.Contains(new Verdict("worst-LS p99 fifo/cameo = 9.0x: ls-dashboard 90.0 ms / ls-dashboard 10.0 ms (target >= 8x)", true), verdicts);
        Assert.Contains(verdicts, v => v.Text.StartsWith("worst-LS p99 slots/cameo: not measured") && v is { Met: null, Target: false });
        Assert.Contains(new Verdict("BA throughput cameo/fifo = 98.0% (target >= 97%)", true), verdicts);
        Assert.Contains(new Verdict("priority inversion under cameo: p99 0.40 ms, max 2.50 ms (target p99 <= 1 ms)", true), verdicts);
    }

    [Fact]
    public void No_utilization_gated_target_is_met_off_the_asked_load()
    {
        // Everything would pass, but cameo ran at 83% when 90% was asked.
        var bench = Bench(
            Run("cameo", 1, 0.83, new PriorityInversion(0.4, 2.5, 1000), Ls("ls-alerts", p99: 4, outputs: 9000, sla: 1), Ba(eps: 1000)),
            Run("fifo", 1, 0.90, Ls("ls-alerts", p99: 50, outputs: 9000, sla: 0.2), Ba(eps: 1000)));

        var summary = new BenchSummary(bench);
        var verdicts = Targets.For(bench, summary);

        Assert.False(summary.FindPolicy("cameo")!.AtAskedLoad);
        Assert.Contains(verdicts, v => v.Text.StartsWith("utilization 83.0% under cameo") && v.Text.Contains("off the asked load") && v.Met == false);
        Assert.DoesNotContain(verdicts, v => v.Met == true);
        Assert.Contains(verdicts, v => v.Text.StartsWith("ls-alerts 100.00% on target under cameo") && v.Text.Contains("not judged: cameo reached 83.0%") && v.Met is null && v.Target);
    }

    [Fact]
    public void A_load_above_1_is_called_overload_and_nothing_gated_is_met_there()
    {
        var overload = Settings with { Load = 1.2 };
        var bench = Bench(overload, Run("cameo", 1, 1.0, Ls("ls-alerts", p99: 4, outputs: 9000, sla: 1), Ba(eps: 1000)));

        var summary = new BenchSummary(bench);
        var json = ScenarioJson.From(bench, summary);

        Assert.True(summary.Overload);
        Assert.True(json.Overload);
        Assert.Equal("120% (overload)", Format.Load(1.2));
        Assert.Contains(json.Targets, v => v.Text.Contains("asked 120% (overload)"));
        Assert.DoesNotContain(json.Targets, v => v.Met == true);
        Assert.Null(Settings.Problem());
        Assert.Contains("--load", (Settings with { Load = 5 }).Problem());
        Assert.Null((Settings with { Load = 1.5 }).Problem());
    }

    [Fact]
    public async Task A_run_that_ends_before_the_first_spike_is_refused_before_calibrating()
    {
        var shortRuns = Settings with { Seconds = 5 };

        Assert.Contains("before its first spike at 8 s", shortRuns.ProblemFor(Scenario.Spike()));
        Assert.Null(shortRuns.ProblemFor(Scenario.MultiTenant()));
        Assert.Null(shortRuns.ProblemFor(Scenario.Overload())); // its spike starts at once
        Assert.Null((Settings with { Seconds = null }).ProblemFor(Scenario.Spike()));
        await Assert.ThrowsAsync<ArgumentException>(() => BenchRunner.RunAsync(Scenario.Spike(), shortRuns));
    }

    [Fact]
    public void On_orleans_the_baseline_is_unmodified_orleans_held_to_6x()
    {
        var orleans = Settings with { Policies = [BenchPolicy.Parse("cameo"), BenchPolicy.Parse("fifo") with { Name = "orleans-default" }], Runtime = new BenchRuntime("orleans (2 silos)", "orleans-default", null, IsOrleans: true) };
        var bench = Bench(orleans,
            Run("cameo", 1, 0.90, Ls("ls-alerts", p99: 10, outputs: 9000, sla: 1), Ls("ls-dashboard", p99: 10, outputs: 100, sla: 1), Ba(eps: 1000)),
            Run("orleans-default", 1, 0.90, Ls("ls-alerts", p99: 70, outputs: 9000, sla: 0.2), Ls("ls-dashboard", p99: 20, outputs: 100, sla: 0.97), Ba(eps: 1000)));

        var verdicts = Targets.For(bench, new BenchSummary(bench));

        Assert.Contains(new Verdict("worst-LS p99 orleans-default/cameo = 7.0x: ls-alerts 70.0 ms / ls-alerts 10.0 ms (target >= 6x)", true), verdicts);
        Assert.Contains(verdicts, v => v.Text.StartsWith("ls-alerts 100.00% on target under cameo, the worst LS query") && v.Met == true);
    }

    [Fact]
    public void Spike_and_overload_hold_every_ls_query_to_99_percent()
    {
        var spike = Bench(Settings, Scenario.Spike(),
            Run("cameo", 1, 0.99, Ls("ls-alerts", p99: 4, outputs: 9000, sla: 1), Ls("ls-dashboard", p99: 120, outputs: 60, sla: 0.983), Ba(eps: 1000)),
            Run("fifo", 1, 0.99, Ls("ls-alerts", p99: 400, outputs: 9000, sla: 0.2), Ls("ls-dashboard", p99: 500, outputs: 60, sla: 0.5), Ba(eps: 1000)));

        var verdicts = Targets.For(spike, new BenchSummary(spike));

        Assert.Contains(new Verdict("ls-dashboard 98.3% on target under cameo, the worst LS query (target: every LS query >= 99%)", false), verdicts);
        Assert.Contains(verdicts, v => v.Text.StartsWith("worst-LS p99 fifo/cameo = 4.2x: ls-dashboard 500 ms / ls-dashboard 120 ms (target >= 21x)") && v.Met == false);
        // Spikes add to the base load: the utilization reached is no reason not to judge.
        Assert.True(new BenchSummary(spike).FindPolicy("cameo")!.AtAskedLoad);
    }

    [Fact]
    public void Results_json_keeps_per_query_figures_and_priority_inversion_per_run()
    {
        var bench = Bench(
            Run("cameo", 1, 0.90, new PriorityInversion(0.4, 2.5, 1000), Ls("ls-alerts", p99: 4, outputs: 9000, sla: 1), Ls("ls-dashboard", p99: 0, outputs: 0, sla: 1), Ba(eps: 980)),
            Run("fifo", 1, 0.92, Ls("ls-alerts", p99: 50, outputs: 9000, sla: 0.2), Ls("ls-dashboard", p99: 90, outputs: 100, sla: 0.5), Ba(eps: 1000)));

        using var doc = JsonDocument.Parse(JsonSerializer.Serialize(ScenarioJson.From(bench, new BenchSummary(bench)), Json.Options));
        var root = doc.RootElement;

        var cameo = root.GetProperty("runs")[0];
        Assert.Equal(0.4, cameo.GetProperty("priorityInversion").GetProperty("p99Ms").GetDouble());
        Assert.Equal(2.5, cameo.GetProperty("priorityInversion").GetProperty("maxMs").GetDouble());
        var fifo = root.GetProperty("runs")[1];
        Assert.Equal(JsonValueKind.Null, fifo.GetProperty("priorityInversion").GetProperty("p99Ms").ValueKind); // measured no message
        var dashboard = cameo.GetProperty("queries").EnumerateArray().Single(q => q.GetProperty("name").GetString() == "ls-dashboard");
        Assert.Equal(0, dashboard.GetProperty("outputs").GetInt64());
        Assert.Equal(JsonValueKind.Null, dashboard.GetProperty("slaAttainment").ValueKind);
        Assert.Equal(JsonValueKind.Null, dashboard.GetProperty("p99Ms").ValueKind);
        Assert.Equal(0.4, root.GetProperty("policy")[0].GetProperty("priorityInversion").GetProperty("p99Ms").GetDouble());
        var ls = root.GetProperty("summary").EnumerateArray().Single(r => r.GetProperty("policy").GetString() == "cameo" && r.GetProperty("class").GetString() == "LS");
        Assert.Equal("ls-dashboard", ls.GetProperty("worstOnTargetQuery").GetString());
        Assert.Equal(JsonValueKind.Null, ls.GetProperty("worstSlaAttainment").ValueKind);
        Assert.Equal(6, root.GetProperty("queries").GetArrayLength()); // 2 policies x 3 queries
        Assert.False(root.GetProperty("overload").GetBoolean());
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

    private static ScenarioBench Bench(params BenchRun[] runs) => Bench(Settings, Scenario.MultiTenant(), runs);

    private static ScenarioBench Bench(BenchSettings settings, params BenchRun[] runs) => Bench(settings, Scenario.MultiTenant(), runs);

    /// <summary>A bench of <paramref name="scenario"/> whose queries are the ones the runs report.</summary>
    private static ScenarioBench Bench(BenchSettings settings, Scenario scenario, params BenchRun[] runs)
    {
        var names = runs.SelectMany(r => r.Result.Queries).Select(q => q.Name).Distinct().ToList();
        var queries = names.Select(n => scenario.Queries.FirstOrDefault(q => q.Name == n) ?? Stub(runs.SelectMany(r => r.Result.Queries).First(q => q.Name == n))).ToList();
        var capacity = new Capacity(queries.ToDictionary(q => q.Name, _ => 1000.0), settings.Load, [new CalibrationRound(1, 0.9)]);
        return new(scenario with { Queries = queries }, settings, 1, capacity, TimeSpan.Zero, runs);
    }

    private static WorkloadQuery Stub(QueryResult q) => new(q.Name, q.Class, TimeSpan.FromMilliseconds(q.LatencyTargetMs), 0.1, (_, _) => { });

    private static BenchRun Run(string policy, int repeat, double utilization, params QueryResult[] queries) =>
        Run(policy, repeat, utilization, default, queries);

    private static BenchRun Run(string policy, int repeat, double utilization, PriorityInversion inversion, params QueryResult[] queries) =>
        new(policy, repeat, new RunResult(policy, "embedded", 2, utilization, queries, 0, inversion));

    private static QueryResult Ls(string name, double p99, long outputs, double sla) =>
        Query(name, QueryClass.LS, 20, p99, outputs, sla, eps: 100);

    private static QueryResult Ba(double eps, long outputs = 10) => Query("ba-rollup", QueryClass.BA, 2000, 500, outputs, 1.0, eps);

    private static QueryResult Query(string name, QueryClass cls, double targetMs, double p99, long outputs, double sla, double eps) =>
        new(name, cls, targetMs, eps, new QueryStats(name, TimeSpan.FromMilliseconds(targetMs), outputs, p99 / 2, p99 * 0.9, p99, p99 * 1.5, sla, eps, outputs, 0, 0, []), []);
}
