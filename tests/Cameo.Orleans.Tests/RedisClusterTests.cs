using Cameo.Orleans.Deployment;

namespace Cameo.Orleans.Tests;

/// <summary>Silos in separate processes, with Redis membership: submit from a client, read results.</summary>
public sealed class RedisClusterTests(RedisClusterFixture cluster) : IClassFixture<RedisClusterFixture>
{
    [Fact]
    public async Task A_submitted_query_runs_across_silo_processes_and_reports_its_results()
    {
        var submitted = await cluster.Client.SubmitAsync("filter", eventsPerSecond: 20_000, count: 10_000);
        var status = await cluster.WaitForEndAsync(submitted.Key, TimeSpan.FromSeconds(30));

        Assert.Equal(QueryState.Completed, status.State);
        Assert.Equal((10_000 + 6) / 7, status.Outputs); // values 0, 7, 14, ... below 10 000
        // Sinks report their latest results by one-way calls, so the last ten may come from any sink
        // partition: each must be one of the query's outputs.
        Assert.NotEmpty(status.RecentResults);
        Assert.All(status.RecentResults, r => Assert.True(int.Parse(r, System.Globalization.CultureInfo.InvariantCulture) is var v && v % 7 == 0 && v < 10_000, r));
        Assert.Equal(2, status.Placement.Select(p => p[(p.IndexOf(" @ ") + 3)..]).Distinct().Count());
        Assert.Contains(submitted.Key, (await cluster.Client.ListAsync()).Select(s => s.Key));
    }
}

/// <summary>Killing a silo process mid-query (a cluster of its own, since the test breaks it).</summary>
public sealed class RedisSiloDeathTests(RedisClusterFixture cluster) : IClassFixture<RedisClusterFixture>
{
    [Fact]
    public async Task Killing_a_silo_process_mid_query_fails_the_query_with_a_clear_error()
    {
        var submitted = await cluster.Client.SubmitAsync("windowed-count", eventsPerSecond: 5_000, name: "doomed");
        await Task.Delay(1500);
        // kill the silo that does not hold the coordinator, so the coordinator can tell what happened
        var victim = cluster.Silos.First(s => !submitted.Coordinator!.Contains($":{s.SiloPort}:", StringComparison.Ordinal));
        RedisClusterFixture.Kill(victim.Process);

        var status = await cluster.WaitForEndAsync(submitted.Key, TimeSpan.FromSeconds(30));
        Assert.Equal(QueryState.Failed, status.State);
        Assert.Contains("lost", status.Error);
    }
}
