using Cameo.Cli.Bench;
using Cameo.Cli.Reporting;
using Cameo.Workloads.Bench;
using Spectre.Console;

namespace Cameo.Cli.Commands;

/// <summary>`cameo bench fair-share`: runs <see cref="FairShareBench"/>, prints the shares and the verdict, writes results.json and the throughput plot.</summary>
public static class FairShareCommand
{
    public static async Task<int> RunAsync(FairShareSettings settings, DirectoryInfo? output, CancellationToken ct)
    {
        if (settings.Problem() is { } problem)
        {
            AnsiConsole.MarkupLine($"[red]{Markup.Escape(problem)}[/]");
            return 2;
        }
        AnsiConsole.MarkupLine($"[bold]cameo bench fair-share[/]: three identical saturating queries, weights {string.Join("/", FairShareBench.Weights)}, started {settings.StaggerSeconds:0.#} s apart, " +
            $"{settings.Seconds:0.#} s on {settings.Workers} workers, policy fair-share; shares measured from {settings.AllRunningFromSecond:0.#} s");
        FairShareResult result;
        try
        {
            result = await FairShareBench.RunAsync(settings, line => AnsiConsole.MarkupLine($"[grey]{Markup.Escape(line)}[/]"), ct);
        }
        catch (InvalidOperationException ex)
        {
            AnsiConsole.MarkupLine($"[red]fair-share failed: {Markup.Escape(ex.Message)}[/]");
            return 1;
        }
        var table = new Table().RoundedBorder()
            .Title($"fair-share: throughput while all three ran ({result.AllRunningFromSecond:0.#} s to {result.Seconds:0.#} s), utilization {Format.Pct(result.Utilization)}");
        table.AddColumns("query", "weight", "started s", "events/s", "share", "weight's share");
        foreach (var c in table.Columns.Skip(1)) c.RightAligned();
        foreach (var q in result.Queries)
            table.AddRow(Markup.Escape(q.Name), $"{q.Weight:0}", $"{q.StartSecond:0.#}", $"{q.EventsPerSecond:N0}", Format.Pct(q.Share, 1), Format.Pct(q.ExpectedShare, 1));
        AnsiConsole.Write(table);
        AnsiConsole.Write(Tables.Verdicts(result.Targets));
        AnsiConsole.WriteLine();
        if (output is not null)
        {
            AnsiConsole.MarkupLine($"Wrote {Markup.Escape(BenchPlots.FairShare(result, Path.Combine(output.FullName, "fair-share-throughput.png")))}");
            AnsiConsole.MarkupLine($"Wrote {Markup.Escape(Json.Write(output.FullName, "results.json", result))}");
        }
        return 0;
    }
}
