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

    /// <summary>Sensors' maintenance notices per second: the slowly changing side of <see cref="Correlate"/>.</summary>
    public const double NoticesPerSecond = 2000;

    /// <summary>
    /// BA: correlates expensive-to-screen readings with the sensors' maintenance notices per sensor
    /// in tumbling windows (a windowed join). The notices arrive at a fixed rate whatever the load,
    /// so the join's output grows with its input linearly: a join's firing is one message and cannot
    /// be preempted, and a quadratic one would stall everything behind it under load.
    /// </summary>
    public static WorkloadQuery Correlate(string name, TimeSpan target, double share, int workRounds, TimeSpan window, int parallelism = 2) =>
        new(name, QueryClass.BA, target, share, (b, input) =>
        {
            b.DefaultParallelism = parallelism;
            var readings = b.From(input.Generate((i, due) => Reading.Generate(input.Seed, i, due), input.Rate, name + "-readings"))
                .WithEventTime(r => r.TimeMs, OutOfOrderness)
                .Where(r => r.Severity + (int)(CpuWork.Burn((ulong)r.Sensor, workRounds) & 1) >= 8);
            var notices = b.From(input.Generate((i, due) => Reading.Generate(input.Seed + 7919, i, due), RateSchedule.Constant(NoticesPerSecond), name + "-notices"))
                .WithEventTime(r => r.TimeMs, OutOfOrderness);
            readings.Join(notices, r => r.Sensor, n => n.Sensor, WindowSpec.Tumbling(window), (r, n) => r.Value - n.Value)
                .To(Discard<double>());
        });

    /// <summary>A sink that counts nothing and keeps nothing: the engine measures outputs itself.</summary>
    public static Sink<T> Discard<T>() => Sink.Call<T>(static _ => { });
}
