using System.Collections.Concurrent;
using Cameo.Orleans.Deployment;
using Cameo.Runtime;

namespace Cameo.Orleans.Tests;

/// <summary>Documented fault behaviour: a query whose operator throws fails alone; a dead silo fails its queries cleanly.</summary>
public sealed class FaultTests(ClusterFixture fixture) : IClassFixture<ClusterFixture>
{
    [Fact]
    public async Task A_query_whose_grain_throws_fails_alone()
    {
        var healthy = new ConcurrentQueue<long>();
        await using var engine = fixture.Engine();
        var broken = engine.AddQuery("broken", TimeSpan.FromSeconds(1), b => b
            .From(Source.From(Enumerable.Range(0, 20_000).Select(i => (long)i)))
            .Select(x => x == 5_000 ? throw new InvalidOperationException("bad record 5000") : x).WithParallelism(2)
            .To(_ => { }));
        var fine = engine.AddQuery("fine", TimeSpan.FromSeconds(1), b => b
            .From(Source.From(Enumerable.Range(0, 20_000).Select(i => (long)i)))
            .Select(x => x * 2).WithParallelism(2)
            .To(healthy.Enqueue));
        engine.Start();

        var error = await Assert.ThrowsAsync<QueryFailedException>(() => broken.Completion.WaitAsync(TimeSpan.FromSeconds(20)));
        Assert.Equal("broken", error.Query);
        Assert.StartsWith("Select", error.Operator);
        Assert.Contains("bad record 5000", error.Message);

        await fine.Completion.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Null(fine.Failure);
        Assert.Equal(Enumerable.Range(0, 20_000).Select(i => 2L * i), healthy.Order());
    }

    [Fact]
    public async Task Instances_are_spread_over_both_silos()
    {
        await using var engine = fixture.Engine();
        var q = engine.AddQuery("spread-" + Guid.NewGuid().ToString("N"), TimeSpan.FromSeconds(1), b => b
            .From(Source.From(Enumerable.Range(0, 100)))
            .Select(x => x).WithParallelism(2)
            .To(_ => { }));
        engine.Start();
        await q.Completion.WaitAsync(TimeSpan.FromSeconds(20));

        var status = (await new CameoClient(fixture.Cluster.Client).ListAsync()).Single(s => s.Name == q.Name);
        Assert.Equal(QueryState.Completed, status.State);
        Assert.Equal(4, status.Placement.Length); // source, 2 x select, sink
        Assert.Equal(2, status.Placement.Select(p => p[(p.IndexOf(" @ ") + 3)..]).Distinct().Count());
    }
}

/// <summary>A silo that dies mid-query fails the query with an error naming the lost instance: no hang, no partial results passed off as complete.</summary>
public sealed class SiloDeathTests(Xunit.Abstractions.ITestOutputHelper output)
{
    [Fact]
    public async Task Killing_a_silo_mid_query_fails_the_query_cleanly()
    {
        var cluster = await InProcessCluster.StartAsync(2);
        try
        {
            var outputs = new ConcurrentQueue<long>();
            await using var engine = CameoEngine.Create(o => o.Runtime = _ => new OrleansRuntime(cluster.Client, 4, home: cluster.Silos[0]));
            var q = engine.AddQuery("doomed", TimeSpan.FromMilliseconds(200), b => b
                .From(Source.Generate((i, t) => new Deployment.CatalogEvent((int)(i % 10), i, t), eventsPerSecond: 20_000))
                .WithEventTime(e => e.TimeMs, TimeSpan.FromMilliseconds(20))
                .KeyBy(e => e.Key).Window(TimeSpan.FromMilliseconds(200)).Count().WithParallelism(2)
                .To(r => outputs.Enqueue(r.Value)));
            engine.Start();
            var deadline = DateTime.UtcNow.AddSeconds(10);
            while (outputs.IsEmpty && DateTime.UtcNow < deadline) await Task.Delay(50);
            Assert.False(outputs.IsEmpty, "the query produced nothing before the silo was killed");

            var before = (await new CameoClient(cluster.Client).ListAsync()).Single(s => s.Name == "doomed");
            output.WriteLine($"coordinator {before.Coordinator}; silos {string.Join(", ", cluster.Silos)}");
            await cluster.KillAsync(cluster.Silos[1]);

            var error = await Assert.ThrowsAsync<QueryFailedException>(() => q.Completion.WaitAsync(TimeSpan.FromSeconds(20)));
            output.WriteLine(error.Message);
            Assert.Equal("doomed", error.Query);
            Assert.Contains("lost", error.Message);
        }
        finally
        {
            await cluster.DisposeAsync();
        }
    }
}
