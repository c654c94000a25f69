using System.Text.Json;
using Cameo.Checkpoints;
using Cameo.Operators;
using Cameo.Tests.Support;
using Cameo.TestSupport;

namespace Cameo.Tests.Checkpoints;

/// <summary>The README's checkpoint example, compiled and run here, and compared with the README text.</summary>
[Collection(nameof(ProcessWideState))]
public sealed class ReadmeCheckpointExampleTests
{
    public sealed record Click(string Campaign, long TimeMs);

    /// <summary>The example, verbatim between the markers (it works in the current directory).</summary>
    private static async Task ReadmeExample()
    {
        // README checkpoint example begin
        var options = new EngineOptions
        {
            Checkpoints = new CheckpointOptions { Store = new DirectoryStateStore("state"), Interval = TimeSpan.FromSeconds(5) },
        };
        await using var engine = new CameoEngine(options);
        engine.AddQuery("clicks-per-campaign", TimeSpan.FromSeconds(1), q => q
            .From(Source.JsonLines<Click>("clicks.jsonl"))                  // resumes at its saved byte offset
            .WithEventTime(c => c.TimeMs, maxOutOfOrderness: TimeSpan.FromSeconds(2))
            .KeyBy(c => c.Campaign)
            .Window(TimeSpan.FromSeconds(10))                               // open windows are saved and restored
            .Count()
            .To(Sink.JsonLines<WindowResult<string, long>>("counts.jsonl"))); // exactly once
        await engine.RunAsync();
        // README checkpoint example end
    }

    [Fact]
    public async Task The_readme_checkpoint_example_counts_and_a_second_run_on_the_same_state_writes_the_same_file()
    {
        var dir = Directory.CreateTempSubdirectory("cameo-readme-ckpt-");
        var json = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        var clicks = Enumerable.Range(0, 1000).Select(i => new Click($"c{i % 3}", EventGen.Base + i * 50)).ToList();
        await File.WriteAllLinesAsync(Path.Combine(dir.FullName, "clicks.jsonl"), clicks.Select(c => JsonSerializer.Serialize(c, json)));
        string workingDirectory = Environment.CurrentDirectory;
        try
        {
            Environment.CurrentDirectory = dir.FullName;
            await ReadmeExample().WaitAsync(Within.Run);
            string first = await File.ReadAllTextAsync("counts.jsonl");
            await ReadmeExample().WaitAsync(Within.Run);
            Assert.Equal(first, await File.ReadAllTextAsync("counts.jsonl"));
            var counts = File.ReadLines("counts.jsonl").Select(l => JsonSerializer.Deserialize<WindowResult<string, long>>(l, json)).ToList();
            Assert.Equal(clicks.Count, counts.Sum(c => c.Value));
        }
        finally
        {
            Environment.CurrentDirectory = workingDirectory;
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void The_readme_shows_exactly_the_checkpoint_example_this_test_runs() =>
        ReadmeText.AssertShowsMarkedCode("Checkpoints and recovery", "README checkpoint example", ["tests", "Cameo.Tests", "Checkpoints", "ReadmeCheckpointExampleTests.cs"]);
}
