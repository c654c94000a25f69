using System.Text.RegularExpressions;
using Cameo.Tests.Support;

namespace Cameo.Tests;

/// <summary>Tests that redirect the process-wide console and working directory run alone.</summary>
[CollectionDefinition(nameof(ProcessWideState), DisableParallelization = true)]
public sealed class ProcessWideState;

/// <summary>
/// The README's first example is compiled here, run, and compared with the README text, so the
/// README cannot show code that does not build or does not work.
/// </summary>
[Collection(nameof(ProcessWideState))]
public partial class ReadmeExampleTests
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
    public void The_readme_shows_exactly_the_example_this_test_runs()
    {
        string root = RepositoryRoot();
        string readme = File.ReadAllText(Path.Combine(root, "README.md"));
        var block = CSharpBlock().Match(readme);
        Assert.True(block.Success, "README.md has no ```csharp block");

        string source = File.ReadAllText(Path.Combine(root, "tests", "Cameo.Tests", "ReadmeExampleTests.cs"));
        var example = MarkedExample().Match(source);
        Assert.True(example.Success, "the example's markers are missing from this file");
        Assert.Equal(Normalize(example.Groups[1].Value), Normalize(block.Groups[1].Value));
    }

    /// <summary>The directory holding README.md and the solution, found by walking up from the test binaries.</summary>
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
