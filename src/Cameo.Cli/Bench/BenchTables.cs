using Cameo.Cli.Reporting;
using Cameo.Workloads;
using Cameo.Workloads.Bench;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Cameo.Cli.Bench;

/// <summary>What `cameo bench` prints: the calibration, a table per scenario, the noise, the verdicts.</summary>
public static class BenchTables
{
    /// <summary>Each query's capacity alone and the rate it is offered.</summary>
    public static Table Calibration(ScenarioBench bench)
    {
        var table = new Table().RoundedBorder()
            .Title($"{bench.Scenario.Name}: calibration ({(bench.CalibrationReusedFrom is { } from ? $"reused from {from}" : $"{bench.CalibrationTime.TotalSeconds:0.0} s")}), offered load {Format.Pct(bench.Settings.Load)}")
            .Caption($"capacity = alone x {Scale(bench.Capacity)}, the mix scale at which the workers would be fully busy (rounds: {string.Join(", ", bench.Capacity.Rounds.Select(r => r.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture)))})");
        table.AddColumns("query", "class", "target ms", "capacity events/s", "offered events/s");
        foreach (var c in table.Columns.Skip(2)) c.RightAligned();
        foreach (var q in bench.Scenario.Queries)
            table.AddRow(Markup.Escape(q.Name), q.Class.ToString(), $"{q.LatencyTarget.TotalMilliseconds:0}",
                $"{bench.Capacity.EventsPerSecond[q.Name]:N0}", $"{bench.Capacity.RateFor(q, bench.Settings.Load):N0}");
        return table;
    }

    /// <summary>The tenants of a generated mix: what each computes, on what input, toward what target.</summary>
    public static Table Mix(IReadOnlyList<RandomTenant> mix)
    {
        var table = new Table().RoundedBorder().Title("random mix");
        table.AddColumns("tenant", "class", "target ms", "shape", "window", "CPU us/event", "input", "share", "parallelism");
        foreach (var t in mix)
            table.AddRow(Markup.Escape(t.Name), t.Class.ToString(), $"{t.Target.TotalMilliseconds:0}",
                $"{t.Shape}{(t.Key == MixKey.None ? "" : $" by {t.Key}")}".ToLowerInvariant(),
                t.Shape == MixShape.Stateless ? "-" : t.Slide == t.Window ? $"{t.Window.TotalMilliseconds:0} ms" : $"{t.Window.TotalMilliseconds:0}/{t.Slide.TotalMilliseconds:0} ms",
                $"{t.CpuMicros:0.#}",
                t.Input switch
                {
                    MixInput.Bursty => $"bursts every {t.BurstPeriod.TotalMilliseconds:0} ms",
                    MixInput.Spiky => $"x{t.SpikeFactor:0.#} for {t.SpikeLength.TotalMilliseconds:0} ms every {t.SpikeEvery.TotalSeconds:0.#} s",
                    _ => "smooth",
                },
                Format.Pct(t.LoadShare), $"{t.Parallelism}");
        return table;
    }

    /// <summary>Each tenant's SLA attainment under each policy (median over rounds; n/a without outputs), and the mean per policy.</summary>
    public static Table TenantAttainment(ScenarioBench bench)
    {
        var policies = bench.Runs.Select(r => r.Policy).Distinct().ToList();
        var table = new Table().RoundedBorder().Title($"{bench.Scenario.Name}: SLA attainment per tenant")
            .Caption($"median over rounds; {IdealBound.Policy}: the same arrivals and profiled costs under preemptive EDF");
        table.AddColumns(["tenant", "target ms", .. policies]);
        foreach (var c in table.Columns.Skip(1)) c.RightAligned();
        foreach (var q in bench.Scenario.Queries)
            table.AddRow([Markup.Escape(q.Name), $"{q.LatencyTarget.TotalMilliseconds:0}", .. policies.Select(p =>
            {
                var runs = bench.Runs.Where(r => r.Policy == p).Select(r => r.Result.Queries.First(x => x.Name == q.Name)).Where(x => x.Stats.Outputs > 0).ToList();
                return runs.Count == 0 ? "n/a" : Tables.Sla(BenchSummary.Median(runs.Select(x => x.Stats.SlaAttainment)));
            })]);
        table.AddEmptyRow();
        table.AddRow(["[bold]mean[/]", "", .. policies.Select(p => Targets.MeanTenantAttainment(bench, p) is { } m ? Tables.Sla(m) : "n/a")]);
        return table;
    }

    private static string Scale(Capacity capacity) =>
        capacity.Rounds.Count == 0 ? "1" : capacity.Rounds[^1].ToString("0.00", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Per query class and policy: medians over the rounds, the p99 range, and the ratio to Cameo.</summary>
    public static Table Summary(ScenarioBench bench, BenchSummary summary)
    {
        var table = new Table().RoundedBorder()
            .Title($"{bench.Scenario.Name}: medians of {bench.Settings.Repeat} round(s) x {bench.Seconds:0.#} s, {bench.Settings.Workers} workers")
            .Caption("latency: worst query of the class; SLA: share of the class's outputs on target; events/s: class input");
        table.AddColumns("class", "policy", "p50 ms", "p95 ms", "p99 ms", "p99 range", "max ms", "SLA", "events/s", "util", $"p99 / {BenchPolicy.Reference}", $"events/s / {BenchPolicy.Reference}");
        foreach (var c in table.Columns.Skip(2)) c.RightAligned();
        foreach (var cls in summary.Classes)
        {
            if (cls != summary.Classes[0]) table.AddEmptyRow();
            foreach (var row in summary.Rows.Where(r => r.Class == cls))
            {
                var m = row.Median;
                table.AddRow(
                    cls.ToString(), Markup.Escape(row.Policy),
                    Ms(m.P50Ms), Ms(m.P95Ms), Ms(m.P99Ms),
                    row.P99MinMs is { } lo && row.P99MaxMs is { } hi ? $"{Tables.Ms(lo)}-{Tables.Ms(hi)}" : "-",
                    Ms(m.MaxMs), Tables.Sla(m.SlaAttainment), $"{m.EventsPerSecond:N0}", $"{Format.Pct(row.Utilization)}",
                    Ratio(row, row.P99VsReference, "0.0"), Ratio(row, row.EventsPerSecondVsReference, "0.00"));
            }
        }
        return table;
    }

    /// <summary>How much the rounds of the same policy disagreed, and the utilization reached.</summary>
    public static IRenderable Noise(BenchSummary summary)
    {
        string p99 = summary.P99Noise is { } n
            ? $"p99 of the same policy and class varied by a median {Format.Pct(n.Median)} (at most {Format.Pct(n.Max)}) between rounds"
            : "no p99 to compare between rounds";
        return new Markup($"[grey]Noise: {p99}; throughput by at most {Format.Pct(summary.ThroughputNoise)}.\nUtilization reached: median {Format.Pct(summary.Utilization)} of the workers' time.[/]");
    }

    /// <summary>One line per target: met (green), missed (red), or a number reported beside one (grey).</summary>
    public static IRenderable Verdicts(IReadOnlyList<Verdict> verdicts) =>
        new Rows(verdicts.Select(v => (IRenderable)new Markup(v.Met switch
        {
            true => $"[green]met[/]     {Markup.Escape(v.Text)}",
            false => $"[red]missed[/]  {Markup.Escape(v.Text)}",
            null => $"[grey]info    {Markup.Escape(v.Text)}[/]",
        })));

    private static string Ratio(ClassSummary row, double? ratio, string format) =>
        row.Policy == BenchPolicy.Reference ? "[grey]ref[/]" : ratio is { } r ? r.ToString(format, System.Globalization.CultureInfo.InvariantCulture) + "x" : "-";

    private static string Ms(double? ms) => ms is { } v ? Tables.Ms(v) : "-";
}
