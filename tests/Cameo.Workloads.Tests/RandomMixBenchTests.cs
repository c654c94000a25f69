using System.Text.Json;
using Cameo.Dataflow;

namespace Cameo.Workloads.Tests;

/// <summary>random-mix and fair-share end to end on tiny settings: what they write, not how fast anything ran.</summary>
public sealed class RandomMixBenchTests : IDisposable
{
    private readonly DirectoryInfo _out = Directory.CreateTempSubdirectory("cameo-mix-test-");

    public void Dispose() => _out.Delete(recursive: true);

    private static Task<CliRun> InvokeAsync(string[] args) => BenchCli.RunAsync(args);

    [Fact]
    public async Task An_engine_reports_each_operators_profiled_cost_by_kind()
    {
        var tenant = RandomMix.Tenants(1, 8).First(t => t.Shape == MixShape.Tumbling);
        await using var engine = new CameoEngine(new EngineOptions { Workers = 1 });
        var query = tenant.ToQuery();
        var handle = engine.AddQuery(query.Name, query.LatencyTarget, b => query.Define(b, new WorkloadInput(Operators.RateSchedule.Constant(2000), 1)));
        engine.Start();
        while (handle.OperatorCosts().Where(o => o.Kind == NodeKind.Operator).Sum(o => o.Records) < 200) await Task.Delay(20);
        await engine.StopAsync(TimeSpan.FromSeconds(2));

        var costs = handle.OperatorCosts();
        Assert.Equal([NodeKind.Source, NodeKind.Operator, NodeKind.Operator, NodeKind.Sink], costs.Select(c => c.Kind));
        Assert.All(costs.Take(3), c => Assert.True(c.Records > 0 && c.BusyTicks > 0));
        Assert.Equal(costs[0].Records, costs[1].Records); // the map sees every source record
    }

    [Fact]
    public async Task Random_mix_writes_every_policy_and_the_ideal_bound_with_the_same_per_query_fields()
    {
        var run = await InvokeAsync(["random-mix", "--seed", "3", "--tenants", "2", "--policies", "cameo,fifo", "--repeat", "1",
            "--seconds", "2", "--warmup", "0.2", "--calibration-seconds", "0.2", "--workers", "2", "--out", _out.FullName]);

        run.AssertExit(0);
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(_out.FullName, "results.json")));
        var root = json.RootElement;
        Assert.Equal(RandomMix.ScenarioName, root.GetProperty("scenario").GetString());
        var runs = root.GetProperty("runs").EnumerateArray().ToList();
        Assert.Equal(["cameo", "fifo", "ideal"], runs.Select(r => r.GetProperty("policy").GetString()));
        var fields = runs.Select(r => string.Join(",", r.GetProperty("queries")[0].EnumerateObject().Select(p => p.Name))).Distinct();
        Assert.Single(fields);
        var names = RandomMix.Tenants(3, 2).Select(t => t.Name).ToList();
        Assert.All(runs, r => Assert.Equal(names, r.GetProperty("queries").EnumerateArray().Select(q => q.GetProperty("name").GetString())));
        var targets = root.GetProperty("targets").EnumerateArray().Select(t => t.GetProperty("text").GetString()!).ToList();
        Assert.StartsWith("mean per-tenant SLA attainment: ", targets[0], StringComparison.Ordinal);
        // The gap to the ideal bound is judged only when both runs emitted something (on a slow machine
        // a 2 s run of windowed tenants may emit nothing); it is never judged on a run without outputs.
        bool HasOutputs(string policy) => runs.Single(r => r.GetProperty("policy").GetString() == policy)
            .GetProperty("queries").EnumerateArray().Any(q => q.GetProperty("outputs").GetInt64() > 0);
        if (HasOutputs("cameo") && HasOutputs("ideal"))
        {
            Assert.Contains("cameo", targets[0]);
            Assert.Contains("ideal", targets[0]);
            // The gap reads as points below or above the bound, never as a negative distance below it.
            var gap = Assert.Single(targets, t => t.StartsWith("cameo ", StringComparison.Ordinal) && t.Contains(" the ideal bound"));
            Assert.Matches(@": \d+\.\d points (below|above) the ideal bound", gap);
        }
        else Assert.Contains(targets, t => t.StartsWith("cameo vs ideal: not measured", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Fair_share_writes_three_weighted_queries_their_shares_a_timeline_and_a_plot()
    {
        var run = await InvokeAsync(["fair-share", "--seconds", "2", "--stagger", "0.3", "--workers", "2", "--out", _out.FullName]);

        run.AssertExit(0);
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(_out.FullName, "results.json")));
        var root = json.RootElement;
        Assert.Equal("fair-share", root.GetProperty("policy").GetString());
        var queries = root.GetProperty("queries").EnumerateArray().ToList();
        Assert.Equal([20.0, 40, 40], queries.Select(q => q.GetProperty("weight").GetDouble()));
        Assert.All(queries, q => Assert.True(q.TryGetProperty("eventsPerSecond", out _)));
        double shares = queries.Sum(q => q.GetProperty("share").GetDouble());
        Assert.True(shares == 0 || Math.Abs(shares - 1) < 0.001);
        Assert.True(root.GetProperty("timeline").GetArrayLength() > 0);
        Assert.Single(root.GetProperty("targets").EnumerateArray());
        Assert.True(new FileInfo(Path.Combine(_out.FullName, "fair-share-throughput.png")).Length > 0);
    }

    [Fact]
    public async Task Fair_share_refuses_a_run_too_short_for_all_three_to_run()
    {
        (await InvokeAsync(["fair-share", "--seconds", "2", "--stagger", "3"])).AssertExit(2);
    }
}
