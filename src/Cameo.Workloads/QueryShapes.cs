using Cameo.Operators;
using Cameo.Time;

namespace Cameo.Workloads;

/// <summary>
/// Production-style query shapes like the paper's: a stateless alerting filter, keyed windowed
/// aggregations with different window sizes (single and multi-stage), and a windowed join. Each
/// burns real CPU per event so that capacity is a property of the query, not of the harness.
/// </summary>
public static class QueryShapes
{
    /// <summary>How far event time may run out of order (the generator's skew) before records are late.</summary>
    public static readonly TimeSpan OutOfOrderness = TimeSpan.FromMilliseconds(25);

    /// <summary>LS: pass on severe readings at once (stateless filter).</summary>
    public static WorkloadQuery Alerts(string name, TimeSpan target, double share, int workRounds) =>
        new(name, QueryClass.LS, target, share, (b, input) => b
            .From(input.Generate((i, due) => Reading.Generate(input.Seed, i, due), input.Rate, name))
            .WithEventTime(r => r.TimeMs, OutOfOrderness)
            .Where(r => r.Severity + (int)(CpuWork.Burn((ulong)r.Sensor, workRounds) & 1) >= 8)
            .To(Discard<Reading>()));

    /// <summary>LS: per-region average over short tumbling windows (a live dashboard).</summary>
    public static WorkloadQuery RegionDashboard(string name, TimeSpan target, double share, int workRounds, TimeSpan window) =>
        new(name, QueryClass.LS, target, share, (b, input) => b
            .From(input.Generate((i, due) => Reading.Generate(input.Seed, i, due), input.Rate, name))
            .WithEventTime(r => r.TimeMs, OutOfOrderness)
            .Select(r => r with { Value = r.Value + (CpuWork.Burn((ulong)r.Sensor, workRounds) & 1) })
            .KeyBy(r => r.Region).Window(window).Average(r => r.Value)
            .To(Discard<WindowResult<int, double>>()));

    /// <summary>
    /// BA: a multi-stage rollup: expensive enrichment, per-sensor averages over short windows, then
    /// per-region maxima over long windows.
    /// </summary>
    public static WorkloadQuery Rollup(string name, TimeSpan target, double share, int workRounds, TimeSpan shortWindow, TimeSpan longWindow, int parallelism = 2) =>
        new(name, QueryClass.BA, target, share, (b, input) =>
        {
            b.DefaultParallelism = parallelism;
            b.From(input.Generate((i, due) => Reading.Generate(input.Seed, i, due), input.Rate, name))
                .WithEventTime(r => r.TimeMs, OutOfOrderness)
                .Select(r => r with { Value = r.Value + (CpuWork.Burn((ulong)r.Sensor, workRounds) & 1) })
                .KeyBy(r => r.Sensor).Window(shortWindow).Average(r => r.Value)
                .KeyBy(w => w.Key % Reading.Regions).Window(longWindow).Max(w => w.Value)
                .To(Discard<WindowResult<int, double>>());
        });

    /// <summary>BA: correlates two streams of readings per sensor in tumbling windows (a windowed join).</summary>
    public static WorkloadQuery Correlate(string name, TimeSpan target, double share, int workRounds, TimeSpan window, int parallelism = 2) =>
        new(name, QueryClass.BA, target, share, (b, input) =>
        {
            b.DefaultParallelism = parallelism;
            var half = input.Rate.Scale(0.5);
            // Both sides are filtered after the expensive step, so that the join's output per window
            // stays proportional to its input (a join's firing is one message, and cannot be preempted).
            var left = b.From(input.Generate((i, due) => Reading.Generate(input.Seed, i, due), half, name + "-left"))
                .WithEventTime(r => r.TimeMs, OutOfOrderness)
                .Where(r => r.Severity + (int)(CpuWork.Burn((ulong)r.Sensor, workRounds) & 1) >= 9);
            var right = b.From(input.Generate((i, due) => Reading.Generate(input.Seed + 7919, i, due), half, name + "-right"))
                .WithEventTime(r => r.TimeMs, OutOfOrderness)
                .Where(r => r.Severity + (int)(CpuWork.Burn((ulong)r.Sensor, workRounds) & 1) >= 9);
            left.Join(right, l => l.Sensor, r => r.Sensor, WindowSpec.Tumbling(window), (l, r) => l.Value - r.Value)
                .To(Discard<double>());
        });

    /// <summary>A sink that counts nothing and keeps nothing: the engine measures outputs itself.</summary>
    public static Sink<T> Discard<T>() => Sink.Call<T>(static _ => { });
}
