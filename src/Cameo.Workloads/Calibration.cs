using System.Diagnostics;
using Cameo.Operators;
using Cameo.Scheduling;

namespace Cameo.Workloads;

/// <summary>
/// How many events per second this machine can process of each query when it runs alone at
/// saturation. Offered load is set as a fraction of these numbers, so a scenario at load 0.9 keeps
/// about 90% of the workers busy on any machine.
/// </summary>
public sealed record Capacity(IReadOnlyDictionary<string, double> EventsPerSecond)
{
    /// <summary>Measures each query of <paramref name="scenario"/> alone, with its input far above what the machine can take.</summary>
    /// <param name="scenario">The queries to measure.</param>
    /// <param name="workers">Worker threads, as in the measured runs.</param>
    /// <param name="measure">How long to measure each query (at least: slow queries are measured until they read several in-flight windows of input).</param>
    /// <param name="seed">Input seed.</param>
    public static async Task<Capacity> MeasureAsync(Scenario scenario, int workers, TimeSpan measure, int seed, CancellationToken cancellationToken = default)
    {
        var result = new Dictionary<string, double>();
        foreach (var query in scenario.Queries)
            result[query.Name] = await MeasureOneAsync(query, workers, measure, seed, cancellationToken).ConfigureAwait(false);
        return new Capacity(result);
    }

    /// <summary>Longest a warm-up or measurement waits for enough input (a very slow query).</summary>
    private static readonly TimeSpan MaxWait = TimeSpan.FromSeconds(10);

    private static async Task<double> MeasureOneAsync(WorkloadQuery query, int workers, TimeSpan measure, int seed, CancellationToken cancellationToken)
    {
        var options = new EngineOptions { Workers = workers, Policy = SchedulingPolicies.Fifo };
        await using var engine = new CameoEngine(options);
        var handle = engine.AddQuery(query.Name, query.LatencyTarget, b => query.Define(b, new WorkloadInput(RateSchedule.Constant(50_000_000), seed)));
        var sinceStart = Stopwatch.StartNew();
        engine.Start();
        await Task.Delay(measure / 2, cancellationToken).ConfigureAwait(false);
        // A saturated source reads in waves: it fills the query's whole in-flight window, then waits
        // while the window drains through the stages (a multi-stage query measured at 0.3 s saw
        // 1 event/s, or a whole wave). So warm up past the first wave and measure at least three:
        // the rate is then off by a fraction of a wave, not by all of one.
        double window = (double)options.MaxInFlightMessages * options.BatchSize;
        await ReadAtLeastAsync(handle, sinceStart, 1.5 * window, cancellationToken).ConfigureAwait(false);
        engine.ResetMetrics();
        var measured = Stopwatch.StartNew();
        await Task.Delay(measure, cancellationToken).ConfigureAwait(false);
        await ReadAtLeastAsync(handle, measured, 3 * window, cancellationToken).ConfigureAwait(false);
        double rate = handle.Stats.InputEventsPerSecond;
        await engine.StopAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(false);
        if (handle.Failure is { } failure) throw new InvalidOperationException($"Calibrating {query.Name} failed: {failure.Message}", failure);
        return Math.Max(1, rate);
    }

    /// <summary>Waits until the query has read about <paramref name="events"/> since its metrics started at <paramref name="since"/> (at most <see cref="MaxWait"/>).</summary>
    private static async Task ReadAtLeastAsync(QueryHandle handle, Stopwatch since, double events, CancellationToken cancellationToken)
    {
        while (handle.Stats.InputEventsPerSecond * since.Elapsed.TotalSeconds < events && since.Elapsed < MaxWait)
            await Task.Delay(50, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The input rate of <paramref name="query"/> that uses its share of <paramref name="load"/> of the machine.</summary>
    public double RateFor(WorkloadQuery query, double load) => EventsPerSecond[query.Name] * query.LoadShare * load;
}
