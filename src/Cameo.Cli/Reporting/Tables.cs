using Cameo.Metrics;
using Cameo.Workloads;
using Cameo.Workloads.Bench;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Cameo.Cli.Reporting;

/// <summary>Console tables and lines of query measurements, shared by `cameo run` and `cameo bench`.</summary>
public static class Tables
{
    /// <summary>One row per query: class, target, outputs, latency percentiles, SLA attainment, throughput; n/a where a query has no output yet.</summary>
    public static Table PerQuery(IEnumerable<(string Name, QueryClass Class, QueryStats Stats)> rows, string? title = null)
    {
        var table = new Table().RoundedBorder();
        if (title is not null) table.Title(title);
        table.AddColumns("query", "class", "target ms", "outputs", "p50 ms", "p95 ms", "p99 ms", "max ms", "SLA", "events/s", "late");
        foreach (var c in table.Columns.Skip(2)) c.RightAligned();
        foreach (var (name, cls, stats) in rows)
        {
            var m = QueryMeasure.Of(stats);
            table.AddRow(
                Markup.Escape(name), cls.ToString(), $"{stats.LatencyTarget.TotalMilliseconds:0}", $"{stats.Outputs:N0}",
                Ms(m.P50Ms), Ms(m.P95Ms), Ms(m.P99Ms), Ms(m.MaxMs),
                Sla(m.SlaAttainment), $"{stats.InputEventsPerSecond:N0}", $"{stats.LateEvents:N0}");
        }
        return table;
    }

    /// <summary>A latency cell: the number, or a grey n/a.</summary>
    public static string Ms(double? ms) => ms is { } v ? Format.Ms(v) : "[grey]n/a[/]";

    /// <summary>An SLA cell, coloured by how close to the targets it is; a grey n/a without outputs.</summary>
    public static string Sla(double? fraction)
    {
        if (fraction is not { } f) return "[grey]n/a[/]";
        string text = Format.Sla(f);
        return f >= 0.99 ? $"[green]{text}[/]" : f >= 0.9 ? $"[yellow]{text}[/]" : $"[red]{text}[/]";
    }

    /// <summary>One line per verdict: met (green), missed (red), n/a for a target that could not be judged (yellow), or a number reported beside the targets (grey).</summary>
    public static IRenderable Verdicts(IEnumerable<Verdict> verdicts) =>
        new Rows(verdicts.Select(v => (IRenderable)new Markup(v.Met switch
        {
            true => $"[green]met[/]     {Markup.Escape(v.Text)}",
            false => $"[red]missed[/]  {Markup.Escape(v.Text)}",
            null when v.Target => $"[yellow]n/a[/]     {Markup.Escape(v.Text)}",
            null => $"[grey]info    {Markup.Escape(v.Text)}[/]",
        })));
}
