using System.Globalization;
using Cameo.Cli.Reporting;
using Cameo.Workloads;
using Cameo.Workloads.Bench;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Cameo.Cli.Bench;

/// <summary>What `cameo bench` prints: the calibration, a row per policy and query, a row per policy, the noise, the verdicts.</summary>
public static class BenchTables
{
    /// <summary>Each query's capacity in the mix and the rate it is offered, with the mix calibration's rounds.</summary>
    public static Table Calibration(ScenarioBench bench)
    {
        string how = bench.CalibrationReusedFrom is { } from ? $"reused from {from}" : $"{bench.CalibrationTime.TotalSeconds:0.0} s";
        var table = new Table().RoundedBorder()
            .Title($"{bench.Scenario.Name}: calibration ({how}), offered load {Format.Load(bench.Settings.Load)}")
            .Caption($"capacity = alone x {Scale(bench.Capacity.Scale)}, found by running the mix at {Format.Pct(bench.Capacity.Load)} load: {Markup.Escape(BenchRunner.Rounds(bench.Capacity))}");
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

    /// <summary>Per query and policy: medians over the rounds, the p99 range, and the ratios to Cameo for the same query.</summary>
    public static Table Queries(ScenarioBench bench, BenchSummary summary)
    {
        var table = new Table().RoundedBorder()
            .Title($"{bench.Scenario.Name}: medians of {bench.Settings.Repeat} round(s) x {bench.Seconds:0.#} s, {bench.Settings.Workers} workers, load {Format.Load(bench.Settings.Load)}")
            .Caption("per query; SLA: share of the query's outputs on target (n/a: no outputs); events/s: the query's input");
        table.AddColumns("query", "target ms", "policy", "outputs", "p50 ms", "p95 ms", "p99 ms", "p99 range", "max ms", "SLA", "events/s", $"p99 / {BenchPolicy.Reference}", $"events/s / {BenchPolicy.Reference}");
        foreach (var c in table.Columns.Skip(3)) c.RightAligned();
        table.Columns[1].RightAligned();
        foreach (var query in bench.Scenario.Queries)
        {
            if (query != bench.Scenario.Queries[0]) table.AddEmptyRow();
            foreach (var row in summary.Queries.Where(r => r.Query == query.Name))
            {
                var m = row.Median;
                table.AddRow(
                    $"{Markup.Escape(row.Query)} [grey]{row.Class}[/]", $"{row.LatencyTargetMs:0}", Markup.Escape(row.Policy), $"{m.Outputs:N0}",
                    Tables.Ms(m.P50Ms), Tables.Ms(m.P95Ms), Tables.Ms(m.P99Ms),
                    row.P99MinMs is { } lo && row.P99MaxMs is { } hi ? $"{Format.Ms(lo)}-{Format.Ms(hi)}" : "[grey]n/a[/]",
                    Tables.Ms(m.MaxMs), Tables.Sla(m.SlaAttainment), $"{m.EventsPerSecond:N0}",
                    Ratio(row.Policy, row.P99VsReference), Ratio(row.Policy, row.EventsPerSecondVsReference));
            }
        }
        return table;
    }

    /// <summary>
    /// Per policy: utilization reached against the asked one, priority inversion, and per class the
    /// worst query on target and the worst p99, by name, with the ratios to Cameo.
    /// </summary>
    public static Table Policies(ScenarioBench bench, BenchSummary summary)
    {
        var table = new Table().RoundedBorder()
            .Title($"{bench.Scenario.Name}: per policy (worst query of each class, by name)")
            .Caption($"util: median utilization reached{(bench.Scenario.Spikes.Count > 0 ? ", spikes included" : $"; yellow: more than {BenchSummary.UtilizationBand * 100:0} points off the asked load")}; inversion: time messages waited behind lower-ranked ones");
        table.AddColumns("policy", $"util (asked {Format.Load(summary.Load)})", "inversion p99 ms", "inversion max ms");
        foreach (var cls in summary.Classes)
            table.AddColumns($"worst {cls} on target", $"worst {cls} p99 ms", $"{cls} p99 / {BenchPolicy.Reference}", $"{cls} events/s / {BenchPolicy.Reference}");
        foreach (var c in table.Columns.Skip(1)) c.RightAligned();
        foreach (var policy in summary.PolicyRows)
        {
            var cells = new List<string>
            {
                Markup.Escape(policy.Policy),
                policy.AtAskedLoad ? Format.Pct(policy.Utilization, 1) : $"[yellow]{Format.Pct(policy.Utilization, 1)}[/]",
                Tables.Ms(policy.PriorityInversion?.P99Ms), Tables.Ms(policy.PriorityInversion?.MaxMs),
            };
            foreach (var cls in summary.Classes)
            {
                var row = summary.Find(policy.Policy, cls)!;
                cells.Add($"{Markup.Escape(row.WorstOnTarget.Query)} {Tables.Sla(row.WorstOnTarget.Median.SlaAttainment)}");
                cells.Add(row.WorstP99 is { } p ? $"{Markup.Escape(p.Query)} {Format.Ms(p.Median.P99Ms!.Value)}" : "[grey]n/a[/]");
                cells.Add(Ratio(policy.Policy, row.P99VsReference));
                cells.Add(Ratio(policy.Policy, row.EventsPerSecondVsReference));
            }
            table.AddRow([.. cells]);
        }
        return table;
    }

    /// <summary>Per contender with checkpoints on: how many completed per run, how long they took, how large they were; null if none ran.</summary>
    public static Table? Checkpoints(BenchSummary summary)
    {
        var rows = summary.PolicyRows.Where(p => p.Policy.EndsWith(BenchPolicy.CheckpointedSuffix, StringComparison.Ordinal)).ToList();
        if (rows.Count == 0) return null;
        var table = new Table().RoundedBorder().Title("checkpoints (medians over runs; max: the largest of any run)")
            .Caption("duration: from the first part written (sources save their positions as they inject the barrier) to the checkpoint recorded complete; size: one query's checkpoint, every instance's part");
        table.AddColumns("policy", "per run", "duration p50 ms", "duration max ms", "size p50 KiB", "size max KiB");
        foreach (var c in table.Columns.Skip(1)) c.RightAligned();
        foreach (var row in rows)
        {
            if (row.Checkpoints is { } c)
                table.AddRow(Markup.Escape(row.Policy), $"{c.Completed}", Format.Ms(c.DurationP50Ms), Format.Ms(c.DurationMaxMs), $"{c.SizeP50Bytes / 1024:0.#}", $"{c.SizeMaxBytes / 1024.0:0.#}");
            else
                table.AddRow(Markup.Escape(row.Policy), "0", "[grey]n/a[/]", "[grey]n/a[/]", "[grey]n/a[/]", "[grey]n/a[/]");
        }
        return table;
    }

    /// <summary>How much the rounds of the same policy disagreed, and the utilization reached against the asked one.</summary>
    public static IRenderable Noise(ScenarioBench bench, BenchSummary summary)
    {
        string p99 = summary.P99Noise is { } n
            ? $"p99 of the same policy and query varied by a median {Format.Pct(n.Median)} (at most {Format.Pct(n.Max)}) between rounds"
            : "no p99 to compare between rounds";
        string utilization = $"Utilization reached: median {Format.Pct(summary.Utilization, 1)} of the workers' time, asked {Format.Load(summary.Load)}";
        if (bench.Scenario.Spikes.Count > 0) utilization += " before spikes (spikes add to it)";
        else if (summary.PolicyRows.Where(p => !p.AtAskedLoad).ToList() is { Count: > 0 } off)
            utilization += $"; [yellow]off the asked load by more than {BenchSummary.UtilizationBand * 100:0} points under {Markup.Escape(string.Join(", ", off.Select(p => $"{p.Policy} ({Format.Pct(p.Utilization, 1)})")))}[/]";
        return new Markup($"[grey]Noise: {p99}; throughput by at most {Format.Pct(summary.ThroughputNoise)}.[/]\n{utilization}.");
    }

    private static string Scale(double scale) => scale.ToString("0.00", CultureInfo.InvariantCulture);

    private static string Ratio(string policy, double? ratio) =>
        policy == BenchPolicy.Reference ? "[grey]ref[/]" : ratio is null ? "[grey]n/a[/]" : Format.Ratio(ratio);
}
