using Cameo.Cli.Reporting;
using Cameo.Workloads.Bench;
using Cameo.Workloads.Nexmark;
using Spectre.Console;

namespace Cameo.Cli.Commands;

/// <summary>
/// `cameo bench nexmark` (both scenarios), `nexmark-throughput` and `nexmark-multi-tenant`: runs
/// <see cref="NexmarkThroughput"/> and <see cref="NexmarkMultiTenant"/>, prints their tables and
/// verdicts, and with --out writes results.json (one scenario object, or an array of both).
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
        if (settings.Problem() is { } problem)
        {
            AnsiConsole.MarkupLine($"[red]{Markup.Escape(problem)}[/]");
            return 2;
        }
        void Log(string line) => AnsiConsole.MarkupLine($"[grey]{Markup.Escape(line)}[/]");
        var results = new List<object>();
        try
        {
            if (name != NexmarkMultiTenant.ScenarioName)
            {
                AnsiConsole.MarkupLine($"[bold]cameo bench {NexmarkThroughput.ScenarioName}[/]: {ThroughputEvents:N0} events per query, best of {settings.Repeat}, on {settings.Workers} workers, against a plain single-thread loop");
                var throughput = await NexmarkThroughput.RunAsync(ThroughputEvents, settings.Workers, settings.Repeat, settings.Seed, Log, ct);
                var table = new Table().RoundedBorder().Title($"{NexmarkThroughput.ScenarioName}: events/s at saturation");
                table.AddColumns("query", $"engine ({settings.Workers} workers)", "plain loop (1 thread)", "engine/loop", "results");
                foreach (var c in table.Columns.Skip(1)) c.RightAligned();
                foreach (var q in throughput.Queries)
                    table.AddRow(q.Name, $"{q.EngineEventsPerSecond:N0}", $"{q.LoopEventsPerSecond:N0}", $"{q.EngineEventsPerSecond / q.LoopEventsPerSecond:0.00}", $"{q.Outputs:N0}");
                AnsiConsole.Write(table);
                AnsiConsole.Write(Tables.Verdicts(throughput.Targets));
                results.Add(throughput);
            }
            if (name != NexmarkThroughput.ScenarioName)
            {
                double seconds = settings.Seconds ?? BenchSettings.DefaultSeconds;
                AnsiConsole.MarkupLine($"[bold]cameo bench {NexmarkMultiTenant.ScenarioName}[/]: {string.Join(", ", NexmarkMultiTenant.Tenants.Select(t => $"{t.Name} ({t.Target.TotalMilliseconds:0} ms)"))} sharing one JSON input; " +
                    $"{string.Join(", ", settings.Policies.Select(p => p.Name))}; {settings.Repeat} round(s) x {seconds:0.#} s (+{settings.WarmupSeconds:0.#} s warm-up) on {settings.Workers} workers at load {Format.Load(settings.Load)}");
                var mix = await NexmarkMultiTenant.RunAsync(settings.Policies, settings.Workers, seconds, settings.WarmupSeconds, settings.Load, settings.Repeat, settings.Seed, settings.CalibrationSeconds, Log, ct);
                var table = new Table().RoundedBorder().Title($"{NexmarkMultiTenant.ScenarioName}: median over rounds");
                table.AddColumns(["query", "target ms", .. settings.Policies.SelectMany(p => new[] { $"{p.Name} on target", $"{p.Name} p99 ms" })]);
                foreach (var c in table.Columns.Skip(1)) c.RightAligned();
                foreach (var (query, target) in NexmarkMultiTenant.Tenants)
                    table.AddRow([query, $"{target.TotalMilliseconds:0}", .. settings.Policies.SelectMany(p => new[]
                    {
                        Format.Pct(NexmarkMultiTenant.Median(mix.Runs, p.Name, query, q => q.OnTarget), 1),
                        $"{NexmarkMultiTenant.Median(mix.Runs, p.Name, query, q => q.P99Ms):0.#}",
                    })]);
                AnsiConsole.Write(table);
                AnsiConsole.Write(Tables.Verdicts(mix.Targets));
                results.Add(mix);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            AnsiConsole.MarkupLine("[yellow]Cancelled.[/]");
            return 130;
        }
        catch (Exception ex) when (ex is AggregateException or InvalidOperationException)
        {
            AnsiConsole.MarkupLine($"[red]{Markup.Escape(name)} failed: {Markup.Escape(ex.Message)}[/]");
            return 1;
        }
        if (output is not null)
            AnsiConsole.MarkupLine($"Wrote {Markup.Escape(results.Count == 1 ? Json.Write(output.FullName, "results.json", results[0]) : Json.Write(output.FullName, "results.json", results))}");
        AnsiConsole.MarkupLine("[grey]Numbers depend on the machine and on what else runs on it; compare ratios, not absolute latencies.[/]");
        return 0;
    }
}
