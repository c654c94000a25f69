using System.Collections.Concurrent;
using Cameo.Operators;
using Cameo.Time;

namespace Cameo.Tests;

public class SmokeTests
{
    private sealed record Ev(string Key, long Time);

    [Fact]
    public async Task Tumbling_count_matches_oracle_on_finite_input()
    {
        var rnd = new Random(1);
        var events = Enumerable.Range(0, 20_000).Select(i => new Ev("k" + rnd.Next(7), 1_000_000 + i * 3 + rnd.Next(-50, 50))).ToList();
        var results = new ConcurrentBag<WindowResult<string, long>>();
        await using var engine = CameoEngine.Create(o => o.Workers = 2);
        var q = engine.AddQuery("count", TimeSpan.FromSeconds(1), b => b
            .From(Source.From(events))
            .WithEventTime(e => e.Time, TimeSpan.FromMilliseconds(100))
            .KeyBy(e => e.Key).Window(TimeSpan.FromMilliseconds(500)).Count()
            .To(results.Add));
        await engine.RunAsync().WaitAsync(TimeSpan.FromSeconds(30));
        await q.Completion;
        long late = q.Stats.LateEvents;
        Assert.Equal(events.Count, results.Sum(r => r.Value) + late);
        Assert.True(results.Count > 10);
    }
}
