using System.CommandLine;
using Cameo.Cli.Commands;
using Spectre.Console;

namespace Cameo.Workloads.Tests;

/// <summary>
/// Runs `cameo bench` in the test's process with what it prints captured, so that a test that
/// fails on its exit code shows why (a failed query, a calibration that could not reach its load).
/// The tests of this assembly run one at a time, so swapping Spectre's global console is safe.
/// </summary>
internal static class BenchCli
{
    /// <summary>Parses and runs `cameo bench ARGS`; what the parser prints (errors, help) is captured too.</summary>
    public static async Task<CliRun> RunAsync(string[] args)
    {
        var parserOutput = new StringWriter();
        var run = await CaptureAsync(() => BenchCommand.Create().Parse(args).InvokeAsync(new InvocationConfiguration { Output = parserOutput, Error = parserOutput }));
        return run with { Output = parserOutput + run.Output };
    }

    /// <summary>Runs <paramref name="bench"/>, which returns an exit code, with the console captured.</summary>
    public static async Task<CliRun> CaptureAsync(Func<Task<int>> bench)
    {
        var output = new StringWriter();
        var previous = AnsiConsole.Console;
        AnsiConsole.Console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Out = new AnsiConsoleOutput(output),
        });
        AnsiConsole.Console.Profile.Width = 200;
        try
        {
            int exit = await bench();
            return new CliRun(exit, output.ToString());
        }
        finally
        {
            AnsiConsole.Console = previous;
        }
    }
}

/// <summary>What a `cameo bench` run returned and printed.</summary>
internal sealed record CliRun(int Exit, string Output)
{
    /// <summary>Fails with the run's output unless it exited with <paramref name="expected"/>.</summary>
    public void AssertExit(int expected) => Assert.True(Exit == expected, $"exit code {Exit}, expected {expected}; the run printed:\n{Output}");
}
