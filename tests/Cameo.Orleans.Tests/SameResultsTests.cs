using System.Collections.Concurrent;
using Cameo.Operators;
using Cameo.Time;

namespace Cameo.Orleans.Tests;

/// <summary>The same query definitions give exactly the same results embedded and on a 2-silo cluster.</summary>
public sealed class SameResultsTests(ClusterFixture fixture) : IClassFixture<ClusterFixture>
{
    public sealed record Click(string User, string Page, long TimeMs);
    public sealed record View(string User, int Seconds, long TimeMs);

    private static List<Click> Clicks(int n, int seed)
    {
        var rnd = new Random(seed);
        return [.. Enumerable.Range(0, n).Select(i => new Click("u" + rnd.Next(13), "p" + rnd.Next(5), 1_000_000 + i * 2L))];
    }

    private static List<View> Views(int n, int seed)
    {
        var rnd = new Random(seed);
        return [.. Enumerable.Range(0, n).Select(i => new View("u" + rnd.Next(13), rnd.Next(100), 1_000_000 + i * 3L))];
    }

    private static void CountPerUser(QueryBuilder b, List<Click> clicks, Action<WindowResult<string, long>> emit) => b
        .From(Source.From(clicks))
        .WithEventTime(c => c.TimeMs, TimeSpan.FromMilliseconds(20))
        .Where(c => c.Page != "p0")
        .KeyBy(c => c.User).Window(TimeSpan.FromMilliseconds(250)).Count().WithParallelism(2)
        .To(emit);

    private static void JoinClicksViews(QueryBuilder b, List<Click> clicks, List<View> views, Action<string> emit)
    {
        b.DefaultParallelism = 2;
        var left = b.From(Source.From(clicks)).WithEventTime(c => c.TimeMs, TimeSpan.FromMilliseconds(20));
        var right = b.From(Source.From(views)).WithEventTime(v => v.TimeMs, TimeSpan.FromMilliseconds(20));
        left.Join(right, c => c.User, v => v.User, WindowSpec.Tumbling(TimeSpan.FromMilliseconds(200)),
                (c, v) => $"{c.User}|{c.Page}|{c.TimeMs}|{v.Seconds}|{v.TimeMs}")
            .To(emit);
    }

    private static async Task<List<T>> RunAsync<T>(CameoEngine engine, Action<QueryBuilder, Action<T>> define)
    {
        var results = new ConcurrentQueue<T>();
        await using (engine)
        {
            var q = engine.AddQuery("q", TimeSpan.FromSeconds(1), b => define(b, results.Enqueue));
            engine.Start();
            await q.Completion.WaitAsync(TimeSpan.FromSeconds(30));
            Assert.Equal(0, q.Stats.LateEvents);
        }
        return [.. results];
    }

    [Fact]
    public async Task Windowed_count_matches_the_embedded_runtime()
    {
        var clicks = Clicks(30_000, seed: 1);
        var embedded = await RunAsync<WindowResult<string, long>>(CameoEngine.Create(o => o.Workers = 2), (b, emit) => CountPerUser(b, clicks, emit));
        var orleans = await RunAsync<WindowResult<string, long>>(fixture.Engine(), (b, emit) => CountPerUser(b, clicks, emit));

        Assert.True(embedded.Count > 100, $"only {embedded.Count} window results");
        Assert.Equal(clicks.Count(c => c.Page != "p0"), embedded.Sum(r => r.Value));
        Assert.Equal(embedded.OrderBy(r => (r.Start, r.Key)), orleans.OrderBy(r => (r.Start, r.Key)));
    }

    [Fact]
    public async Task Windowed_join_matches_the_embedded_runtime()
    {
        var clicks = Clicks(4_000, seed: 2);
        var views = Views(3_000, seed: 3);
        var embedded = await RunAsync<string>(CameoEngine.Create(o => o.Workers = 2), (b, emit) => JoinClicksViews(b, clicks, views, emit));
        var orleans = await RunAsync<string>(fixture.Engine(), (b, emit) => JoinClicksViews(b, clicks, views, emit));

        Assert.True(embedded.Count > 1000, $"only {embedded.Count} join results");
        Assert.Equal(embedded.Order(StringComparer.Ordinal), orleans.Order(StringComparer.Ordinal));
    }

    /// <summary>Every scheduling mode, plain Orleans order included, computes the same (brute-force) counts: policies reorder work, never change results.</summary>
    [Theory]
    [InlineData("orleans-default")]
    [InlineData("fifo")]
    [InlineData("edf")]
    [InlineData("llf")]
    [InlineData("sjf")]
    public async Task Every_policy_gives_the_exact_windowed_counts(string policy)
    {
        var clicks = Clicks(10_000, seed: 4);
        var expected = clicks.Where(c => c.Page != "p0")
            .GroupBy(c => (c.User, Start: c.TimeMs / 250 * 250))
            .Select(g => new WindowResult<string, long>(g.Key.User, g.Key.Start, g.Key.Start + 250, g.Count()))
            .OrderBy(r => (r.Start, r.Key));
        var engine = CameoEngine.Create(o => o.Runtime = OrleansRuntime.InProcess(2, CameoSiloOptions.ParsePolicy(policy)));
        var results = await RunAsync<WindowResult<string, long>>(engine, (b, emit) => CountPerUser(b, clicks, emit));
        Assert.Equal(expected, results.OrderBy(r => (r.Start, r.Key)));
    }
}
