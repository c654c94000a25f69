using System.Text.Json;
using Cameo.Cli.Commands;

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
        int exit = await InvokeAsync(["multi-tenant", "--policies", "cameo,fifo", "--repeat", "2", .. Tiny]);

        Assert.Equal(0, exit);
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(_out.FullName, "results.json")));
        Assert.Equal(JsonValueKind.Object, json.RootElement.ValueKind);
        var runs = AssertScenario(json.RootElement, "multi-tenant", ["cameo", "fifo"], repeat: 2);
        // Interleaved: round 1 runs cameo then fifo, round 2 starts one later.
        Assert.Equal(["cameo/1", "fifo/1", "fifo/2", "cameo/2"], runs.Select(r => $"{r.GetProperty("policy").GetString()}/{r.GetProperty("repeat").GetInt32()}"));
        AssertPng("multi-tenant-cdf.png");
        Assert.False(File.Exists(Path.Combine(_out.FullName, "multi-tenant-timeline.png")));
    }

    [Fact]
    public async Task All_writes_an_array_of_scenarios_and_marks_the_spike_run_over_time()
    {
        int exit = await InvokeAsync(["all", "--policies", "cameo", "--repeat", "1", .. Tiny]);

        Assert.Equal(0, exit);
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(_out.FullName, "results.json")));
        Assert.Equal(JsonValueKind.Array, json.RootElement.ValueKind);
        string[] scenarios = ["single-tenant", "multi-tenant", "spike", "overload"];
        Assert.Equal(scenarios.Length, json.RootElement.GetArrayLength());
        for (int i = 0; i < scenarios.Length; i++)
        {
            AssertScenario(json.RootElement[i], scenarios[i], ["cameo"], repeat: 1);
            AssertPng($"{scenarios[i]}-cdf.png");
        }
        AssertPng("spike-timeline.png");
        AssertPng("overload-timeline.png");
        // spike and overload run the multi-tenant queries: they reuse their calibration instead of repeating it.
        Assert.Equal("multi-tenant", json.RootElement[2].GetProperty("calibrationReusedFrom").GetString());
        Assert.Equal("multi-tenant", json.RootElement[3].GetProperty("calibrationReusedFrom").GetString());
        Assert.Equal(JsonValueKind.Null, json.RootElement[1].GetProperty("calibrationReusedFrom").ValueKind);
    }

    [Theory]
    [InlineData("--policies", "cameo,nonesuch")]
    [InlineData("--policies", "cameo,cameo")]
    [InlineData("--load", "0")]
    [InlineData("--repeat", "0")]
    public async Task Bad_options_fail_with_a_usage_error_before_measuring(string option, string value)
    {
        int exit = await InvokeAsync(["multi-tenant", option, value]);

        Assert.Equal(2, exit);
        Assert.Empty(_out.GetFiles());
    }

    [Fact]
    public async Task An_unknown_scenario_is_rejected()
    {
        int exit = await InvokeAsync(["two-tenants"]);

        Assert.NotEqual(0, exit);
        Assert.Empty(_out.GetFiles());
    }

    private Task<int> InvokeAsync(string[] args) => BenchCommand.Create().Parse([.. args, "--out", _out.FullName]).InvokeAsync();

    /// <summary>Checks one scenario object against the schema of the issue; returns its runs.</summary>
    private static List<JsonElement> AssertScenario(JsonElement scenario, string name, string[] policies, int repeat)
    {
        Assert.Equal(name, scenario.GetProperty("scenario").GetString());
        Assert.Equal(2, scenario.GetProperty("workers").GetInt32());
        Assert.Equal(0.9, scenario.GetProperty("load").GetDouble());
        Assert.InRange(scenario.GetProperty("utilization").GetDouble(), 0, 1);
        var runs = scenario.GetProperty("runs").EnumerateArray().ToList();
        Assert.Equal(policies.Length * repeat, runs.Count);
        foreach (var run in runs)
        {
            Assert.Contains(run.GetProperty("policy").GetString(), policies);
            Assert.InRange(run.GetProperty("repeat").GetInt32(), 1, repeat);
            var queries = run.GetProperty("queries").EnumerateArray().ToList();
            Assert.Equal(Scenario.ByName(name).Queries.Select(q => q.Name), queries.Select(q => q.GetProperty("name").GetString()));
            foreach (var q in queries)
            {
                Assert.Contains(q.GetProperty("class").GetString(), new[] { "LS", "BA" });
                Assert.True(q.GetProperty("latencyTargetMs").GetDouble() > 0);
                Assert.True(q.GetProperty("outputs").GetInt64() >= 0);
                double p50 = q.GetProperty("p50Ms").GetDouble(), p95 = q.GetProperty("p95Ms").GetDouble();
                double p99 = q.GetProperty("p99Ms").GetDouble(), max = q.GetProperty("maxMs").GetDouble();
                Assert.True(0 <= p50 && p50 <= p95 && p95 <= p99 && p99 <= max, $"percentiles out of order: {p50} {p95} {p99} {max}");
                Assert.InRange(q.GetProperty("slaAttainment").GetDouble(), 0, 1);
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
