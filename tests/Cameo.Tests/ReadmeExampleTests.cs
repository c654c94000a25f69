using Cameo.Tests.Support;
using Cameo.TestSupport;

namespace Cameo.Tests;

/// <summary>Tests that redirect the process-wide console and working directory run alone.</summary>
[CollectionDefinition(nameof(ProcessWideState), DisableParallelization = true)]
public sealed class ProcessWideState;

/// <summary>
/// The README's first example is compiled here, run, and compared with the README text, so the
/// README cannot show code that does not build or does not work.
/// </summary>
[Collection(nameof(ProcessWideState))]
public class ReadmeExampleTests
{
    /// <summary>The README's example, verbatim between the markers (it reads app.log from the working directory).</summary>
    private static async Task ReadmeExample()
    {
        // README example begin
        await using var engine = new CameoEngine();
        engine.AddQuery("errors", TimeSpan.FromMilliseconds(50), q => q
            .From(Source.From(File.ReadLines("app.log")))
            .Where(line => line.Contains("ERROR"))
            .To(Console.WriteLine));
        await engine.RunAsync();
        // README example end
    }

    [Fact]
    public async Task The_readme_example_prints_the_error_lines_of_app_log()
    {
        var dir = Directory.CreateTempSubdirectory("cameo-readme-");
        string[] log =
        [
            "2026-01-01 10:00:00 INFO started",
            "2026-01-01 10:00:01 ERROR disk full",
            "2026-01-01 10:00:02 WARN slow",
            "2026-01-01 10:00:03 ERROR retry failed",
            "2026-01-01 10:00:04 INFO ERRORS are counted above", // contains ERROR as well
        ];
        await File.WriteAllLinesAsync(Path.Combine(dir.FullName, "app.log"), log);
        string workingDirectory = Environment.CurrentDirectory;
        var console = Console.Out;
        var captured = new StringWriter();
        try
        {
            Environment.CurrentDirectory = dir.FullName;
            Console.SetOut(captured);
            await ReadmeExample().WaitAsync(Within.Run);
        }
        finally
        {
            Console.SetOut(console);
            Environment.CurrentDirectory = workingDirectory;
            dir.Delete(recursive: true);
        }
        Assert.Equal(log.Where(l => l.Contains("ERROR")), captured.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public void The_readme_shows_exactly_the_example_this_test_runs() =>
        ReadmeText.AssertShowsMarkedCode("A first query", "README example", ["tests", "Cameo.Tests", "ReadmeExampleTests.cs"]);
}
