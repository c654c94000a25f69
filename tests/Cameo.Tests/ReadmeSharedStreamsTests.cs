using System.Text.Json;
using Cameo.Tests.Support;
using Cameo.TestSupport;

namespace Cameo.Tests;

/// <summary>A bid, as the README's shared-stream example reads it.</summary>
public sealed record Bid(long Auction, long Price, long Time);

/// <summary>
/// The README's section on shared streams and side outputs: its example is compiled here, run on a
/// small file, and compared with the README text.
/// </summary>
[Collection(nameof(ProcessWideState))]
public class ReadmeSharedStreamsTests
{
    /// <summary>The README's example, verbatim between the markers (it reads bids.jsonl from the working directory).</summary>
    private static async Task Example()
    {
        // README shared example begin
        await using var engine = new CameoEngine();
        var bids = engine.Stream("bids", s => s
            .From(Source.From(File.ReadLines("bids.jsonl")))
            .Select(line => JsonSerializer.Deserialize<Bid>(line)!).WithParallelism(2)   // parsed once, for every query
            .WithEventTime(b => b.Time, maxOutOfOrderness: TimeSpan.FromSeconds(2)));

        engine.AddQuery("expensive", TimeSpan.FromMilliseconds(20), q => q
            .From(bids).Where(b => b.Price > 1_000).To(b => Console.WriteLine($"expensive {b.Auction}")));

        engine.AddQuery("top-bids", TimeSpan.FromSeconds(1), q =>
        {
            var windows = q.From(bids).WindowAll(TimeSpan.FromSeconds(10))
                .AllowedLateness(TimeSpan.FromSeconds(5))     // a record up to 5 s late updates its fired window
                .OnLate(out var late);                        // later ones come out as a stream
            windows.TopN(2, b => b.Price).To(r => Console.WriteLine($"top {r.Start}: {string.Join(",", r.Value.Select(b => b.Price))}"));
            late.To(Sink.JsonLines<Bid>("late-bids.jsonl"));
        });
        await engine.RunAsync();
        // README shared example end
    }

    [Fact]
    public async Task The_example_runs_every_query_on_one_parse_and_sends_late_bids_to_their_file()
    {
        var dir = Directory.CreateTempSubdirectory("cameo-readme-");
        Bid[] input =
        [
            new(1, 500, 1_000), new(2, 2_000, 4_000), new(3, 900, 12_000), new(4, 700, 9_000), // 9 000: late, updates [0, 10 000)
            new(5, 1_500, 30_000), new(6, 50, 2_000),                                           // 2 000: beyond the allowed lateness
        ];
        await File.WriteAllLinesAsync(Path.Combine(dir.FullName, "bids.jsonl"), input.Select(b => JsonSerializer.Serialize(b)));
        string workingDirectory = Environment.CurrentDirectory;
        var console = Console.Out;
        var captured = new StringWriter();
        string[] late;
        try
        {
            Environment.CurrentDirectory = dir.FullName;
            Console.SetOut(captured);
            await Example().WaitAsync(Within.Run);
            late = await File.ReadAllLinesAsync(Path.Combine(dir.FullName, "late-bids.jsonl"));
        }
        finally
        {
            Console.SetOut(console);
            Environment.CurrentDirectory = workingDirectory;
            dir.Delete(recursive: true);
        }
        var lines = captured.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["expensive 2", "expensive 5"], lines.Where(l => l.StartsWith("expensive", StringComparison.Ordinal)).Order());
        // The parse runs on two instances, so the window's watermark is the slower one's: whether the
        // bids at 9 000 and 2 000 find [0, 10 000) fired depends on how the batches interleave. Its
        // last result holds 9 000 either way (counted at once, or as an update within the allowed
        // lateness); 2 000 is counted there or comes out late.
        var tops = lines.Where(l => l.StartsWith("top", StringComparison.Ordinal)).ToList();
        Assert.Equal(["top 10000: 900", "top 30000: 1500"], tops.Where(l => !l.StartsWith("top 0:", StringComparison.Ordinal)).Order());
        Assert.Equal("top 0: 2000,700", tops.Last(l => l.StartsWith("top 0:", StringComparison.Ordinal)));
        var lateBids = late.Select(l => JsonSerializer.Deserialize<Bid>(l, JsonSerializerOptions.Web)).ToList();
        Assert.True(lateBids.Count == 0 || lateBids.SequenceEqual([input[5]]), $"late: {string.Join(", ", late)}");
    }

    [Fact]
    public void The_readme_shows_exactly_the_example_this_test_runs() =>
        ReadmeText.AssertShowsMarkedCode("Shared streams and side outputs", "README shared example", ["tests", "Cameo.Tests", "ReadmeSharedStreamsTests.cs"]);
}
