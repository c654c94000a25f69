using System.Text.Json;
using Cameo.Orleans.Deployment;
using Cameo.TestQueries;

namespace Cameo.Orleans.Tests;

/// <summary>
/// A user's query assembly on a cluster of silo processes (<c>cameo silo --queries</c>): submitted by
/// name with parameters, planned by its coordinator, run across both silos into a real sink.
/// </summary>
public sealed class QueryDefinitionClusterTests(RedisClusterFixture cluster) : IClassFixture<RedisClusterFixture>, IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("cameo-query-definitions-");

    public void Dispose() => _dir.Delete(recursive: true);

    [Fact]
    public async Task A_definition_from_the_users_assembly_runs_on_both_silos_and_writes_what_the_embedded_engine_writes()
    {
        Assert.Equal(2, await cluster.Client.WaitForSilosAsync(2, TimeSpan.FromSeconds(30)));
        string clusterFile = Path.Combine(_dir.FullName, "cluster.jsonl"), embeddedFile = Path.Combine(_dir.FullName, "embedded.jsonl");
        var parameters = new Dictionary<string, string> { ["count"] = "20000", ["rate"] = "20000", ["out"] = clusterFile };

        var submitted = await cluster.Client.SubmitAsync("sensor-totals", parameters);
        var status = await cluster.WaitForEndAsync(submitted.Key, TimeSpan.FromSeconds(60));

        Assert.True(status.State == QueryState.Completed, $"{status.State}: {status.Error}");
        Assert.Equal(2, status.Placement.Select(p => p[(p.IndexOf(" @ ", StringComparison.Ordinal) + 3)..]).Distinct().Count());
        Assert.NotNull(status.Submitted);
        Assert.True(status.Ended >= status.Submitted, $"{status.Submitted} .. {status.Ended}");

        await using (var engine = new CameoEngine())
        {
            engine.AddQuery(new SensorTotals(), new Dictionary<string, string>(parameters) { ["out"] = embeddedFile, ["rate"] = "200000" });
            await engine.RunAsync();
        }
        var expected = File.ReadAllLines(embeddedFile).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(4 * 200, expected.Count); // 4 sensors, 200 windows of 100 readings
        Assert.Equal(expected, File.ReadAllLines(clusterFile).Order(StringComparer.Ordinal));

        // The sink's silo reports its output count to the coordinator (one-way, so it may trail the end).
        for (int i = 0; i < 50 && status.Outputs != expected.Count; i++)
        {
            await Task.Delay(100);
            status = await cluster.Client.StatusAsync(submitted.Key);
        }
        Assert.Equal(expected.Count, status.Outputs);
    }

    [Fact]
    public async Task An_unknown_name_or_a_missing_parameter_is_refused_with_the_reason()
    {
        var unknown = await Assert.ThrowsAnyAsync<ArgumentException>(() => cluster.Client.SubmitAsync("no-such-query", new Dictionary<string, string>()));
        Assert.Contains("sensor-totals", unknown.Message); // lists what the silo knows
        var missing = await Assert.ThrowsAnyAsync<ArgumentException>(() => cluster.Client.SubmitAsync("sensor-totals", new Dictionary<string, string> { ["count"] = "10" }));
        Assert.Contains("out=", missing.Message);
    }

    [Fact]
    public async Task The_silos_dashboard_shows_every_silo_and_the_running_queries()
    {
        var submitted = await cluster.Client.SubmitAsync("windowed-count", eventsPerSecond: 2_000, name: "watched");
        using var http = new HttpClient { BaseAddress = cluster.Dashboard };
        JsonElement snapshot = default;
        // Until the query has outputs and both silos have answered (each silo's monitor grain is
        // placed on that silo, so both answer the first snapshot that lists them).
        for (int i = 0; i < 25; i++)
        {
            snapshot = JsonDocument.Parse(await http.GetStringAsync("api/snapshot")).RootElement;
            if (snapshot.GetProperty("queries").EnumerateArray().Any(q => q.GetProperty("name").GetString() == "watched" && q.GetProperty("outputs").GetInt64() > 0)
                && snapshot.GetProperty("workers").EnumerateArray().Count(w => !w.GetProperty("name").GetString()!.Contains("no answer", StringComparison.Ordinal)) == 2)
                break;
            await Task.Delay(200);
        }
        await cluster.Client.StopAsync(submitted.Key);

        Assert.Equal("orleans", snapshot.GetProperty("runtime").GetString());
        var silos = snapshot.GetProperty("workers").EnumerateArray().Select(w => w.GetProperty("name").GetString()!).ToList();
        Assert.Equal(cluster.Silos.Select(s => $"silo 127.0.0.1:{s.SiloPort}").Order(StringComparer.Ordinal), silos.Order(StringComparer.Ordinal));
        var watched = snapshot.GetProperty("queries").EnumerateArray().Where(q => q.GetProperty("name").GetString() == "watched").ToList();
        Assert.Contains(watched, q => q.GetProperty("outputs").GetInt64() > 0 && q.GetProperty("targetMs").GetDouble() == 500);
        // The silos run the cameo policy: each reports the messages waiting in its instances' mailboxes.
        Assert.All(watched, q => Assert.True(q.GetProperty("queueDepth").ValueKind == JsonValueKind.Number, q.ToString()));
        Assert.True(snapshot.GetProperty("queueDepthNote").ValueKind == JsonValueKind.Null, snapshot.GetProperty("queueDepthNote").ToString());
    }
}
