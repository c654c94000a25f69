using System.Text.Json;
using Cameo.Cli.Commands;
using Cameo.Workloads.Bench;

namespace Cameo.Workloads.Tests;

/// <summary>`cameo bench` end to end on tiny settings: what it writes, not how fast anything ran.</summary>
public sealed class BenchCommandTests : IDisposable
{
    private static readonly string[] Tiny = ["--seconds", "0.8", "--warmup", "0.2", "--calibration-seconds", "0.2", "--workers", "2"];
    private readonly DirectoryInfo _out = Directory.CreateTempSubdirectory("cameo-bench-test-");

    public void Dispose() => _out.Delete(recursive: true);

    [Fact]
    public async Task Multi_tenant_writes_one_scenario_object_with_every_run_and_a_cdf_plot()
    {
        var run = await InvokeAsync(["multi-tenant", "--policies", "cameo,fifo", "--repeat", "2", .. Tiny]);

        run.AssertExit(0);
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(_out.FullName, "results.json")));
        Assert.Equal(JsonValueKind.Object, json.RootElement.ValueKind);
        var runs = AssertScenario(json.RootElement, "multi-tenant", ["cameo", "fifo"], repeat: 2);
        // Interleaved: round 1 runs cameo then fifo, round 2 starts one later.
        Assert.Equal(["cameo/1", "fifo/1", "fifo/2", "cameo/2"], runs.Select(r => $"{r.GetProperty("policy").GetString()}/{r.GetProperty("repeat").GetInt32()}"));
        AssertPng("multi-tenant-cdf.png");
        Assert.False(File.Exists(Path.Combine(_out.FullName, "multi-tenant-timeline.png")));
    }

    [Fact]
    public async Task Telemetry_otel_runs_each_policy_again_with_export_on_in_the_same_rounds()
    {
        var run = await InvokeAsync(["multi-tenant", "--policies", "cameo", "--repeat", "1", "--telemetry", "otel", .. Tiny]);

        run.AssertExit(0);
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(_out.FullName, "results.json")));
        var runs = AssertScenario(json.RootElement, "multi-tenant", ["cameo", "cameo+otel"], repeat: 1);
        Assert.Equal(["cameo", "cameo+otel"], runs.Select(r => r.GetProperty("policy").GetString()));
    }

    [Fact]
    public async Task Several_scenarios_write_an_array_reuse_the_calibration_and_mark_overload_over_time()
    {
        var settings = new BenchSettings(BenchPolicy.ParseList("cameo"), Seconds: 0.8, WarmupSeconds: 0.2, Load: 0.9, Repeat: 1, Seed: 42, Workers: 2, CalibrationSeconds: 0.2);

        var run = await BenchCli.CaptureAsync(() => BenchCommand.RunAsync([Scenario.MultiTenant(), Scenario.Overload()], settings, _out, CancellationToken.None));

        run.AssertExit(0);
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(_out.FullName, "results.json")));
        Assert.Equal(JsonValueKind.Array, json.RootElement.ValueKind);
        string[] scenarios = ["multi-tenant", "overload"];
        Assert.Equal(scenarios.Length, json.RootElement.GetArrayLength());
        for (int i = 0; i < scenarios.Length; i++)
        {
            AssertScenario(json.RootElement[i], scenarios[i], ["cameo"], repeat: 1);
            AssertPng($"{scenarios[i]}-cdf.png");
        }
        AssertPng("overload-timeline.png");
        // overload runs the multi-tenant queries: it reuses their calibration instead of repeating it.
        Assert.Equal("multi-tenant", json.RootElement[1].GetProperty("calibrationReusedFrom").GetString());
        Assert.Equal(JsonValueKind.Null, json.RootElement[0].GetProperty("calibrationReusedFrom").ValueKind);
        var rounds = json.RootElement[0].GetProperty("calibrationRounds").EnumerateArray().ToList();
        Assert.InRange(rounds.Count, 1, 5);
        Assert.All(rounds, r => Assert.InRange(r.GetProperty("utilization").GetDouble(), 0, 1));
    }

    [Theory]
    [InlineData("spike", "5")]
    [InlineData("all", "0.8")]
    public async Task Runs_that_end_before_the_first_spike_are_refused_before_calibrating(string scenario, string seconds)
    {
        var run = await InvokeAsync([scenario, "--seconds", seconds]);

        run.AssertExit(2);
        Assert.Empty(_out.GetFiles());
    }

    [Fact]
    public async Task Checkpoint_every_adds_a_checkpointed_row_per_policy_with_the_checkpoints_cost_and_judges_it_against_cameo()
    {
        var run = await InvokeAsync(["multi-tenant", "--policies", "cameo,fifo", "--repeat", "1", "--checkpoint-every", "200ms", "--seconds", "2.5", "--warmup", "0.2", "--calibration-seconds", "0.2", "--workers", "2"]);

        run.AssertExit(0);
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(_out.FullName, "results.json")));
        var runs = AssertScenario(json.RootElement, "multi-tenant", ["cameo", "cameo/ckpt", "fifo", "fifo/ckpt"], repeat: 1);
        Assert.Equal(["cameo", "cameo/ckpt", "fifo", "fifo/ckpt"], runs.Select(r => r.GetProperty("policy").GetString()));
        Assert.All(runs, r => Assert.Equal(r.GetProperty("policy").GetString()!.EndsWith("/ckpt", StringComparison.Ordinal), r.GetProperty("checkpoints").ValueKind == JsonValueKind.Object));
        foreach (var policy in json.RootElement.GetProperty("policy").EnumerateArray().Where(p => p.GetProperty("policy").GetString()!.EndsWith("/ckpt", StringComparison.Ordinal)))
        {
            var cost = policy.GetProperty("checkpoints");
            Assert.True(cost.GetProperty("completed").GetInt32() > 0);
            Assert.True(cost.GetProperty("sizeP50Bytes").GetDouble() > 0);
            Assert.True(cost.GetProperty("durationMaxMs").GetDouble() >= cost.GetProperty("durationP50Ms").GetDouble());
        }
        var targets = json.RootElement.GetProperty("targets").EnumerateArray().Select(t => t.GetProperty("text").GetString()!).ToList();
        Assert.Contains(targets, t => t.StartsWith("worst-LS p99 cameo/ckpt vs cameo", StringComparison.Ordinal));
        Assert.Contains(targets, t => t.StartsWith("BA throughput cameo/ckpt vs cameo", StringComparison.Ordinal));
        Assert.Contains(targets, t => t.StartsWith("checkpoints under fifo/ckpt:", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Checkpoint_every_is_refused_on_orleans()
    {
        var run = await InvokeAsync(["multi-tenant", "--runtime", "orleans", "--checkpoint-every", "1s", .. Tiny]);

        run.AssertExit(2);
        Assert.Empty(_out.GetFiles());
    }

    [Fact]
    public async Task An_unknown_scenario_is_rejected()
    {
        var run = await InvokeAsync(["two-tenants"]);

        Assert.NotEqual(0, run.Exit);
        Assert.Empty(_out.GetFiles());
    }

    private Task<CliRun> InvokeAsync(string[] args) => BenchCli.RunAsync([.. args, "--out", _out.FullName]);

    /// <summary>Checks one scenario object against the schema of the issue; returns its runs.</summary>
    private static List<JsonElement> AssertScenario(JsonElement scenario, string name, string[] policies, int repeat)
    {
        Assert.Equal(name, scenario.GetProperty("scenario").GetString());
        Assert.Equal(2, scenario.GetProperty("workers").GetInt32());
        Assert.Equal(0.9, scenario.GetProperty("load").GetDouble());
        Assert.InRange(scenario.GetProperty("utilization").GetDouble(), 0, 1);
        Assert.False(scenario.GetProperty("overload").GetBoolean());
        var runs = scenario.GetProperty("runs").EnumerateArray().ToList();
        Assert.Equal(policies.Length * repeat, runs.Count);
        foreach (var run in runs)
        {
            Assert.Contains(run.GetProperty("policy").GetString(), policies);
            Assert.InRange(run.GetProperty("repeat").GetInt32(), 1, repeat);
            var inversion = run.GetProperty("priorityInversion");
            Assert.True(inversion.GetProperty("messages").GetInt64() >= 0);
            // Figures are null exactly when the runtime measured no message.
            Assert.Equal(inversion.GetProperty("messages").GetInt64() == 0, inversion.GetProperty("p99Ms").ValueKind == JsonValueKind.Null);
            Assert.Equal(inversion.GetProperty("messages").GetInt64() == 0, inversion.GetProperty("maxMs").ValueKind == JsonValueKind.Null);
            var queries = run.GetProperty("queries").EnumerateArray().ToList();
            Assert.Equal(Scenario.ByName(name).Queries.Select(q => q.Name), queries.Select(q => q.GetProperty("name").GetString()));
            foreach (var q in queries)
            {
                Assert.Contains(q.GetProperty("class").GetString(), new[] { "LS", "BA" });
                Assert.True(q.GetProperty("latencyTargetMs").GetDouble() > 0);
                Assert.True(q.GetProperty("outputs").GetInt64() >= 0);
                if (q.GetProperty("outputs").GetInt64() == 0)
                {
                    // No outputs: n/a, never 100% on target.
                    Assert.Equal(JsonValueKind.Null, q.GetProperty("slaAttainment").ValueKind);
                    Assert.Equal(JsonValueKind.Null, q.GetProperty("p99Ms").ValueKind);
                }
                else
                {
                    double p50 = q.GetProperty("p50Ms").GetDouble(), p95 = q.GetProperty("p95Ms").GetDouble();
                    double p99 = q.GetProperty("p99Ms").GetDouble(), max = q.GetProperty("maxMs").GetDouble();
                    Assert.True(0 <= p50 && p50 <= p95 && p95 <= p99 && p99 <= max, $"percentiles out of order: {p50} {p95} {p99} {max}");
                    Assert.InRange(q.GetProperty("slaAttainment").GetDouble(), 0, 1);
                }
                Assert.True(q.GetProperty("eventsPerSecond").GetDouble() >= 0);
            }
        }
        // Each policy ran each round exactly once.
        Assert.Equal(policies.Length * repeat, runs.Select(r => (r.GetProperty("policy").GetString(), r.GetProperty("repeat").GetInt32())).Distinct().Count());
        return runs;
    }

    private void AssertPng(string file)
    {
        var path = Path.Combine(_out.FullName, file);
        Assert.True(File.Exists(path), $"{file} was not written");
        byte[] bytes = File.ReadAllBytes(path);
        Assert.True(bytes.Length > 10_000, $"{file} is only {bytes.Length} bytes");
        Assert.Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }, bytes[..8]);
    }
}
