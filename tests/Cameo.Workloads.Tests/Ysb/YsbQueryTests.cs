using System.Collections.Concurrent;
using Cameo.Operators;
using Cameo.Workloads.Ysb;

namespace Cameo.Workloads.Tests.Ysb;

/// <summary>The YSB query end to end on the real engine, against counts computed directly from the trace.</summary>
public class YsbQueryTests
{
    private const long T0 = 1_700_000_003_456; // not aligned to a window, so the first and last windows are partial

    [Theory]
    [InlineData(false, 1)]
    [InlineData(true, 2)]
    public async Task Counts_views_per_campaign_and_ten_second_window(bool json, int parseParallelism)
    {
        var campaigns = new YsbCampaigns(21);
        var trace = new YsbTrace(new YsbGenerator(campaigns, 21), 30_000, T0, eventsPerSecond: 1_000);
        const long total = 75_000; // two and a half passes
        var expected = new Dictionary<(int, long), long>();
        for (long i = 0; i < total; i++)
        {
            var e = trace.Events[(int)(i % trace.Count)];
            if (e.EventType != YsbEventType.View) continue;
            long t = e.EventTime + i / trace.Count * trace.SpanMs;
            var key = (campaigns.CampaignOf(e.AdIndex), t - t % 10_000);
            expected[key] = expected.GetValueOrDefault(key) + 1;
        }

        var results = new ConcurrentBag<WindowResult<int, long>>();
        await using var engine = CameoEngine.Create(o => o.Workers = 2);
        var sink = Sink.Call<WindowResult<int, long>>(results.Add);
        var query = engine.AddQuery("ysb", TimeSpan.FromSeconds(1), b =>
        {
            if (json) YsbQuery.DefineJson(b, trace.ReplayJson(total), campaigns, sink, parseParallelism);
            else YsbQuery.Define(b, trace.ReplayEvents(total), campaigns, sink);
        });
        await engine.RunAsync().WaitAsync(TimeSpan.FromSeconds(20));
        await query.Completion;

        Assert.Equal(0, query.Stats.LateEvents);
        var actual = results.ToDictionary(r => (r.Key, r.Start), r => r.Value);
        Assert.Equal(expected.OrderBy(p => p.Key), actual.OrderBy(p => p.Key));
        Assert.All(results, r => Assert.Equal(r.Start + 10_000, r.End));
    }

    [Fact]
    public async Task A_bad_line_fails_only_its_query_with_a_clear_error()
    {
        var campaigns = new YsbCampaigns(22);
        byte[] bad = "{\"ad_id\": 5}"u8.ToArray();
        var lines = new[] { new YsbJsonLine(bad, 0, bad.Length, T0) };
        var trace = new YsbTrace(new YsbGenerator(campaigns, 22), 1_000, T0, eventsPerSecond: 1_000);
        long good = 0;
        await using var engine = CameoEngine.Create(o => o.Workers = 2);
        var broken = engine.AddQuery("bad", TimeSpan.FromSeconds(1), b =>
            YsbQuery.DefineJson(b, Source.From(lines), campaigns, Sink.Call<WindowResult<int, long>>(_ => { })));
        var healthy = engine.AddQuery("good", TimeSpan.FromSeconds(1), b =>
            YsbQuery.Define(b, trace.ReplayEvents(3_000), campaigns, Sink.Call<WindowResult<int, long>>(r => good += r.Value)));
        var run = await Assert.ThrowsAsync<AggregateException>(() => engine.RunAsync().WaitAsync(TimeSpan.FromSeconds(20)));
        Assert.Same(broken.Failure, Assert.Single(run.InnerExceptions));

        var failure = await Assert.ThrowsAnyAsync<Exception>(() => broken.Completion);
        Assert.Contains("ad_id must be a UUID", failure.ToString());
        await healthy.Completion;
        Assert.True(good > 900, $"the healthy query counted {good} views");
    }
}
