using System.Text.Json;
using Cameo.TestSupport;

namespace Cameo.Redis.Tests;

/// <summary>The README's Redis example is compiled and run here, and compared with the README text.</summary>
[Collection(RedisCollection.Name)]
public sealed class ReadmeExampleTests(RedisServer redis)
{
    /// <summary>The README's example, verbatim between the markers: runs until <paramref name="stop"/> fires.</summary>
    private static async Task ReadmeExample(CancellationToken stop)
    {
        // README example begin
        await using var engine = new CameoEngine();
        engine.AddQuery("hot-sensors", TimeSpan.FromMilliseconds(100), q => q
            .From(Source.RedisStream<Reading>("127.0.0.1:6379", "readings", o => o.Group = "hot-sensors"))
            .WithEventTime(r => r.TimeMs, maxOutOfOrderness: TimeSpan.FromSeconds(1))
            .Where(r => r.Value > 90)
            .To(Sink.RedisStream<Reading>("127.0.0.1:6379", "alerts")));
        await engine.RunAsync(stop); // until stop fires; throws if the query failed
        // README example end
    }

    [Fact]
    public async Task The_readme_example_copies_the_hot_readings_to_the_alerts_stream_and_acknowledges_what_it_read()
    {
        await redis.Db.KeyDeleteAsync(["readings", "alerts"]); // the example's fixed names
        var json = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        foreach (var r in new[] { new Reading(1, "a", 50, 1_000), new Reading(2, "b", 95, 1_001), new Reading(3, "a", 99, 1_002) })
            await redis.Db.StreamAddAsync("readings", "data", JsonSerializer.Serialize(r, json));

        using var stop = new CancellationTokenSource();
        var run = ReadmeExample(stop.Token);
        using (var patience = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
            while (await redis.Db.StreamLengthAsync("alerts") < 2) await Task.Delay(10, patience.Token);
        await stop.CancelAsync();
        await run.WaitAsync(TimeSpan.FromSeconds(30));

        var alerts = (await redis.Db.StreamRangeAsync("alerts")).Select(e => JsonSerializer.Deserialize<Reading>(e["data"].ToString(), json)!.Id);
        Assert.Equal([2, 3], alerts);
        Assert.Equal(0, (await redis.Db.StreamPendingAsync("readings", "hot-sensors")).PendingMessageCount);
        await redis.Db.KeyDeleteAsync(["readings", "alerts"]);
    }

    [Fact]
    public void The_readme_shows_exactly_the_example_this_test_runs() =>
        ReadmeText.AssertShowsMarkedCode("Durable streams: Redis", "README example", ["tests", "Cameo.Redis.Tests", "ReadmeExampleTests.cs"],
            hidden: line => line.StartsWith("using ", StringComparison.Ordinal) || line.StartsWith("public sealed record Reading", StringComparison.Ordinal));
}
