using System.Text.Json;
using System.Text.RegularExpressions;

namespace Cameo.Redis.Tests;

/// <summary>The README's Redis example is compiled and run here, and compared with the README text.</summary>
[Collection(RedisCollection.Name)]
public sealed partial class ReadmeExampleTests(RedisServer redis)
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
    public void The_readme_shows_exactly_the_example_this_test_runs()
    {
        string root = RepositoryRoot();
        string readme = File.ReadAllText(Path.Combine(root, "README.md"));
        int section = readme.IndexOf("## Durable streams: Redis", StringComparison.Ordinal);
        Assert.True(section >= 0, "README.md has no Redis section");
        var block = CSharpBlock().Match(readme, section);
        Assert.True(block.Success, "the README's Redis section has no ```csharp block");

        string source = File.ReadAllText(Path.Combine(root, "tests", "Cameo.Redis.Tests", "ReadmeExampleTests.cs"));
        var example = MarkedExample().Match(source);
        Assert.True(example.Success, "the example's markers are missing from this file");
        string shown = string.Join('\n', block.Groups[1].Value.Split('\n').Where(l => !l.StartsWith("using ", StringComparison.Ordinal) && !l.StartsWith("public sealed record Reading", StringComparison.Ordinal)));
        Assert.Equal(Normalize(example.Groups[1].Value), Normalize(shown));
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "README.md")) && File.Exists(Path.Combine(dir.FullName, "Cameo.slnx")))
                return dir.FullName;
        throw new DirectoryNotFoundException($"No README.md next to Cameo.slnx above {AppContext.BaseDirectory}.");
    }

    private static string Normalize(string code) => WhiteSpace().Replace(code, " ").Trim();

    [GeneratedRegex(@"```csharp\r?\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex CSharpBlock();

    [GeneratedRegex(@"// README example begin\r?\n(.*?)// README example end", RegexOptions.Singleline)]
    private static partial Regex MarkedExample();

    [GeneratedRegex(@"\s+")]
    private static partial Regex WhiteSpace();
}
