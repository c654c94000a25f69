using Cameo.Workloads.Durability;
using ScottPlot;

namespace Cameo.Cli.Bench;

/// <summary>The plot of `cameo soak`: working set and managed heap over the run, the second half shaded.</summary>
public static class DurabilityPlots
{
    private const int Width = 1000, Height = 600;

    /// <summary>Writes the soak's memory over time to <paramref name="path"/> and returns it.</summary>
    public static string Soak(SoakResult result, string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var plot = new Plot();
        double[] seconds = [.. result.Samples.Select(s => s.Seconds)];
        double half = (seconds[0] + seconds[^1]) / 2;
        var judged = plot.Add.HorizontalSpan(half, seconds[^1], Colors.Gray.WithAlpha(0.15));
        judged.LegendText = $"judged: growth {result.GrowthLastHalf * 100:0.0}% (target < {SoakResult.TargetGrowth * 100:0}%)";
        var working = plot.Add.ScatterLine(seconds, [.. result.Samples.Select(s => s.WorkingSetMb)]);
        working.LegendText = "working set";
        working.LineWidth = 2;
        var managed = plot.Add.ScatterLine(seconds, [.. result.Samples.Select(s => s.ManagedMb)]);
        managed.LegendText = "managed heap";
        managed.LineWidth = 2;
        plot.Axes.SetLimitsY(0, result.Samples.Max(s => Math.Max(s.WorkingSetMb, s.ManagedMb)) * 1.15);
        plot.Title($"soak: Redis in and out, checkpoints on, {result.RateEventsPerSecond:N0} events/s ({result.Load * 100:0}% of capacity), {result.Minutes:0.#} min");
        plot.XLabel("seconds");
        plot.YLabel("MB");
        plot.ShowLegend(Alignment.LowerRight);
        plot.SavePng(path, Width, Height);
        return path;
    }
}
