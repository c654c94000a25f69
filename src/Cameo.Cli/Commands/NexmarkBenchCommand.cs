using Cameo.Cli.Reporting;
using Cameo.Workloads.Bench;
using Cameo.Workloads.Nexmark;
using Spectre.Console;

namespace Cameo.Cli.Commands;

/// <summary>
/// `cameo bench nexmark` (both scenarios), `nexmark-throughput` and `nexmark-multi-tenant`:
/// nexmark-throughput runs <see cref="NexmarkThroughput"/> and prints its table and verdicts;
/// nexmark-multi-tenant is a regular scenario of the bench harness (<see cref="BenchCommand.RunAsync"/>).
/// With --out, results.json holds one scenario object, or an array of both.
/// </summary>
public static class NexmarkBenchCommand
{
    public const string Both = "nexmark";

    /// <summary>The scenario names this command answers.</summary>
    public static readonly string[] Scenarios = [Both, NexmarkThroughput.ScenarioName, NexmarkMultiTenant.ScenarioName];

    /// <summary>The contenders of nexmark-multi-tenant unless --policies names others.</summary>
    public const string DefaultPolicies = "cameo,fifo";

    /// <summary>Input events per query of nexmark-throughput.</summary>
    public const long ThroughputEvents = 1_000_000;

    public static async Task<int> RunAsync(string name, BenchSettings settings, DirectoryInfo? output, CancellationToken ct)
    {
        var scenario = NexmarkMultiTenant.Create();
        if ((name == NexmarkThroughput.ScenarioName ? settings.Problem() : settings.ProblemFor(scenario)) is { } problem)
        {
            AnsiConsole.MarkupLine($"[red]{Markup.Escape(problem)}[/]");
            return 2;
        }
        if (name == NexmarkMultiTenant.ScenarioName) return await BenchCommand.RunAsync([scenario], settings, output, ct);
        NexmarkThroughputResult throughput;
        try
        {
            AnsiConsole.MarkupLine($"[bold]cameo bench {NexmarkThroughput.ScenarioName}[/]: {ThroughputEvents:N0} events per query, best of {settings.Repeat}, on {settings.Workers} workers, against a plain single-thread loop");
            throughput = await NexmarkThroughput.RunAsync(ThroughputEvents, settings.Workers, settings.Repeat, settings.Seed, line => AnsiConsole.MarkupLine($"[grey]{Markup.Escape(line)}[/]"), ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            AnsiConsole.MarkupLine("[yellow]Cancelled.[/]");
            return 130;
        }
        catch (Exception ex) when (ex is AggregateException or InvalidOperationException)
        {
            AnsiConsole.MarkupLine($"[red]{Markup.Escape(NexmarkThroughput.ScenarioName)} failed: {Markup.Escape(ex.Message)}[/]");
            return 1;
        }
        var table = new Table().RoundedBorder().Title($"{NexmarkThroughput.ScenarioName}: events/s at saturation");
        table.AddColumns("query", $"engine ({settings.Workers} workers)", "plain loop (1 thread)", "engine/loop", "results");
        foreach (var c in table.Columns.Skip(1)) c.RightAligned();
        foreach (var q in throughput.Queries)
            table.AddRow(q.Name, $"{q.EngineEventsPerSecond:N0}", $"{q.LoopEventsPerSecond:N0}", $"{q.EngineEventsPerSecond / q.LoopEventsPerSecond:0.00}", $"{q.Outputs:N0}");
        AnsiConsole.Write(table);
        AnsiConsole.Write(Tables.Verdicts(throughput.Targets));
        if (name == Both) return await BenchCommand.RunAsync([scenario], settings, output, ct, before: [throughput]);
        if (output is not null) AnsiConsole.MarkupLine($"Wrote {Markup.Escape(Json.Write(output.FullName, "results.json", throughput))}");
        return 0;
    }
}
