using Cameo.Metrics;
using Cameo.Workloads;
using Spectre.Console;

namespace Cameo.Cli.Reporting;

/// <summary>Console tables of query measurements.</summary>
public static class Tables
{
    /// <summary>One row per query: class, target, outputs, latency percentiles, SLA attainment, throughput.</summary>
    public static Table PerQuery(IEnumerable<(string Name, QueryClass Class, QueryStats Stats)> rows, string? title = null)
    {
        var table = new Table().RoundedBorder();
        if (title is not null) table.Title(title);
        table.AddColumns("query", "class", "target ms", "outputs", "p50 ms", "p95 ms", "p99 ms", "max ms", "SLA", "events/s", "late");
        foreach (var c in table.Columns.Skip(2)) c.RightAligned();
        foreach (var (name, cls, s) in rows)
        {
            table.AddRow(
                Markup.Escape(name), cls.ToString(), $"{s.LatencyTarget.TotalMilliseconds:0}", $"{s.Outputs:N0}",
                Ms(s.P50Ms), Ms(s.P95Ms), Ms(s.P99Ms), Ms(s.MaxMs),
                Sla(s.SlaAttainment), $"{s.InputEventsPerSecond:N0}", $"{s.LateEvents:N0}");
        }
        return table;
    }

    public static string Ms(double ms) => ms >= 100 ? $"{ms:0}" : ms >= 10 ? $"{ms:0.0}" : $"{ms:0.00}";

    public static string Sla(double fraction)
    {
        string text = $"{fraction * 100:0.0}%";
        return fraction >= 0.99 ? $"[green]{text}[/]" : fraction >= 0.9 ? $"[yellow]{text}[/]" : $"[red]{text}[/]";
    }
}
