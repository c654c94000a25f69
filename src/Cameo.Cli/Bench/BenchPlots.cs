using Cameo.Workloads;
using Cameo.Workloads.Bench;
using ScottPlot;
using ScottPlot.TickGenerators;

namespace Cameo.Cli.Bench;

/// <summary>
/// The PNG plots of `cameo bench`: a latency CDF per scenario (one line per policy) and, for
/// scenarios with spikes, per-second tail latency over the run with the spikes shaded. Latency
/// axes are logarithmic: policies differ by orders of magnitude.
/// </summary>
public static class BenchPlots
{
    private const int Width = 1000, Height = 600;

    /// <summary>Writes the plots of <paramref name="bench"/> into <paramref name="dir"/> and returns their paths.</summary>
    public static IReadOnlyList<string> Write(ScenarioBench bench, string dir)
    {
        Directory.CreateDirectory(dir);
        var paths = new List<string> { Cdf(bench, Path.Combine(dir, $"{bench.Scenario.Name}-cdf.png")) };
        if (bench.Scenario.Spikes.Count > 0) paths.Add(Timeline(bench, Path.Combine(dir, $"{bench.Scenario.Name}-timeline.png")));
        return paths;
    }

    /// <summary>
    /// The latency CDF of the LS queries (of all queries if there are none) under each policy,
    /// pooled over the policy's rounds and weighted by each query's outputs.
    /// </summary>
    public static string Cdf(ScenarioBench bench, string path)
    {
        var (cls, label) = PlottedClass(bench.Scenario);
        var plot = new Plot();
        var palette = new ScottPlot.Palettes.Category10();
        int i = 0;
        foreach (var policy in Policies(bench))
        {
            var queries = bench.Runs.Where(r => r.Policy == policy).SelectMany(r => r.Result.Queries).Where(q => cls is null || q.Class == cls).ToList();
            var points = PooledCdf(queries);
            var color = palette.GetColor(i++);
            if (points.Count == 0) continue;
            var line = plot.Add.ScatterLine(points.Select(p => Log(p.LatencyMs)).ToArray(), points.Select(p => p.Fraction).ToArray(), color);
            line.ConnectStyle = ConnectStyle.StepHorizontal;
            line.LineWidth = 2;
            line.LegendText = policy;
        }
        foreach (var target in Targets(bench.Scenario, cls))
        {
            var mark = plot.Add.VerticalLine(Log(target), 1, Colors.Gray, LinePattern.Dashed);
            mark.LegendText = $"target {target:0} ms";
        }
        plot.Axes.Bottom.TickGenerator = LogTicks();
        plot.Axes.Left.TickGenerator = new NumericFixedInterval(0.1);
        plot.Axes.SetLimitsY(0, 1.02);
        plot.Title($"{bench.Scenario.Name}: latency CDF of {label}, {bench.Settings.Workers} workers, load {bench.Settings.Load * 100:0}%, {bench.Settings.Repeat} round(s) pooled");
        plot.XLabel("output latency (ms, log scale)");
        plot.YLabel("fraction of outputs");
        plot.ShowLegend(Alignment.LowerRight);
        plot.SavePng(path, Width, Height);
        return path;
    }

    /// <summary>
    /// Per-second p99 of the worst LS query under each policy (median over rounds), with the
    /// spike windows shaded. Seconds count from the start of measurement, as spikes do.
    /// </summary>
    public static string Timeline(ScenarioBench bench, string path)
    {
        var (cls, label) = PlottedClass(bench.Scenario);
        var plot = new Plot();
        foreach (var spike in bench.Scenario.Spikes)
        {
            var span = plot.Add.HorizontalSpan(spike.StartSecond, Math.Min(spike.StartSecond + spike.Seconds, bench.Seconds));
            span.FillStyle.Color = Colors.Orange.WithAlpha(0.2);
            span.LineStyle.Width = 0;
            span.LegendText = spike == bench.Scenario.Spikes[0] ? $"BA input x{spike.Factor:0.#}" : "";
        }
        var palette = new ScottPlot.Palettes.Category10();
        int i = 0;
        foreach (var policy in Policies(bench))
        {
            var color = palette.GetColor(i++);
            var perSecond = bench.Runs.Where(r => r.Policy == policy)
                .SelectMany(r => WorstPerSecond(r.Result.Queries.Where(q => cls is null || q.Class == cls)))
                .GroupBy(p => p.Second)
                .OrderBy(g => g.Key)
                .Select(g => (Second: g.Key, P99Ms: BenchSummary.Median(g.Select(p => p.P99Ms))))
                .ToList();
            if (perSecond.Count == 0) continue;
            var line = plot.Add.ScatterLine(perSecond.Select(p => p.Second + 0.5).ToArray(), perSecond.Select(p => Log(p.P99Ms)).ToArray(), color);
            line.LineWidth = 2;
            line.MarkerSize = 4;
            line.LegendText = policy;
        }
        foreach (var target in Targets(bench.Scenario, cls))
        {
            var mark = plot.Add.HorizontalLine(Log(target), 1, Colors.Gray, LinePattern.Dashed);
            mark.LegendText = $"target {target:0} ms";
        }
        plot.Axes.Left.TickGenerator = LogTicks();
        plot.Axes.SetLimitsX(0, bench.Seconds);
        plot.Title($"{bench.Scenario.Name}: p99 latency per second of {label} (median of {bench.Settings.Repeat} round(s))");
        plot.XLabel("second of the measured run");
        plot.YLabel("p99 latency (ms, log scale)");
        plot.ShowLegend(Alignment.UpperRight);
        plot.SavePng(path, Width, Height);
        return path;
    }

    /// <summary>
    /// Each query's input rate over the fair-share run, with its start marked and the period the
    /// shares are measured over shaded.
    /// </summary>
    public static string FairShare(FairShareResult result, string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var plot = new Plot();
        var measured = plot.Add.HorizontalSpan(result.AllRunningFromSecond, result.Seconds);
        measured.FillStyle.Color = Colors.Gray.WithAlpha(0.15);
        measured.LineStyle.Width = 0;
        measured.LegendText = "shares measured";
        var palette = new ScottPlot.Palettes.Category10();
        for (int i = 0; i < result.Queries.Count; i++)
        {
            var q = result.Queries[i];
            var color = palette.GetColor(i);
            var points = result.Timeline.Where(p => p.Second > q.StartSecond).ToList();
            if (points.Count > 0)
            {
                var line = plot.Add.ScatterLine(points.Select(p => p.Second).ToArray(), points.Select(p => p.EventsPerSecond[i] / 1000).ToArray(), color);
                line.LineWidth = 2;
                line.LegendText = $"{q.Name} (weight {q.Weight:0}): {Format.Pct(q.Share, 1)}";
            }
            plot.Add.VerticalLine(q.StartSecond, 1, color, LinePattern.Dotted);
        }
        plot.Axes.SetLimitsX(0, result.Seconds);
        plot.Title($"fair-share: throughput of three identical queries weighted {string.Join("/", result.Queries.Select(q => q.Weight))}, {result.Workers} workers");
        plot.XLabel("second of the run");
        plot.YLabel("input events/s (thousands)");
        plot.ShowLegend(Alignment.UpperLeft);
        plot.SavePng(path, Width, Height);
        return path;
    }

    /// <summary>
    /// Output-weighted CDF of several queries' latencies, as (latency ms, fraction of outputs at or
    /// below it) steps from 0 to 1, to be drawn as a staircase (few outputs make few, tall steps).
    /// </summary>
    public static IReadOnlyList<(double LatencyMs, double Fraction)> PooledCdf(IReadOnlyList<QueryResult> queries)
    {
        var weighted = queries.Where(q => q.Stats.Outputs > 0 && q.Cdf.Count > 0).ToList();
        double total = weighted.Sum(q => (double)q.Stats.Outputs);
        if (total == 0) return [];
        var xs = weighted.SelectMany(q => q.Cdf.Select(p => p.LatencyMs)).Distinct().Order().ToList();
        return [(xs[0], 0.0), .. xs.Select(x => (x, weighted.Sum(q => q.Stats.Outputs * FractionAtOrBelow(q.Cdf, x)) / total))];
    }

    private static double FractionAtOrBelow(IReadOnlyList<(double LatencyMs, double Fraction)> cdf, double x)
    {
        double fraction = 0;
        foreach (var p in cdf)
        {
            if (p.LatencyMs > x) break;
            fraction = p.Fraction;
        }
        return fraction;
    }

    private static IEnumerable<(long Second, double P99Ms)> WorstPerSecond(IEnumerable<QueryResult> queries) =>
        queries.SelectMany(q => q.Stats.Timeline.Where(p => p.Outputs > 0))
            .GroupBy(p => p.Second)
            .Select(g => (g.Key, g.Max(p => p.P99Ms)));

    private static (QueryClass? Class, string Label) PlottedClass(Scenario scenario) =>
        scenario.Queries.Any(q => q.Class == QueryClass.LS) ? (QueryClass.LS, "the LS queries") : (null, "all queries");

    private static IEnumerable<double> Targets(Scenario scenario, QueryClass? cls) =>
        scenario.Queries.Where(q => cls is null || q.Class == cls).Select(q => q.LatencyTarget.TotalMilliseconds).Distinct();

    private static IEnumerable<string> Policies(ScenarioBench bench) => bench.Runs.Select(r => r.Policy).Distinct();

    /// <summary>Plotted coordinate of a latency: its base-10 logarithm (latencies below 10 us are drawn at 10 us).</summary>
    private static double Log(double ms) => Math.Log10(Math.Max(ms, 0.01));

    private static NumericAutomatic LogTicks() => new()
    {
        MinorTickGenerator = new LogMinorTickGenerator(),
        IntegerTicksOnly = true,
        LabelFormatter = y => Math.Pow(10, y) is var ms && ms >= 1 ? $"{ms:N0}" : $"{ms:0.##}",
    };
}
