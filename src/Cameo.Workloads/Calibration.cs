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
    /// <param name="measure">How long to measure each query (after a warm-up of half that).</param>
    /// <param name="seed">Input seed.</param>
    public static async Task<Capacity> MeasureAsync(Scenario scenario, int workers, TimeSpan measure, int seed, CancellationToken cancellationToken = default)
    {
        var result = new Dictionary<string, double>();
        foreach (var query in scenario.Queries)
            result[query.Name] = await MeasureOneAsync(query, workers, measure, seed, cancellationToken).ConfigureAwait(false);
        return new Capacity(result);
    }

    private static async Task<double> MeasureOneAsync(WorkloadQuery query, int workers, TimeSpan measure, int seed, CancellationToken cancellationToken)
    {
        await using var engine = CameoEngine.Create(o => { o.Workers = workers; o.Policy = SchedulingPolicies.Fifo; });
        var handle = engine.AddQuery(query.Name, query.LatencyTarget, b => query.Define(b, new WorkloadInput(RateSchedule.Constant(50_000_000), seed)));
        engine.Start();
        await Task.Delay(measure / 2, cancellationToken).ConfigureAwait(false);
        engine.ResetMetrics();
        await Task.Delay(measure, cancellationToken).ConfigureAwait(false);
        double rate = handle.Stats.InputEventsPerSecond;
        await engine.StopAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(false);
        if (handle.Failure is { } failure) throw new InvalidOperationException($"Calibrating {query.Name} failed: {failure.Message}", failure);
        return Math.Max(1, rate);
    }

    /// <summary>The input rate of <paramref name="query"/> that uses its share of <paramref name="load"/> of the machine.</summary>
    public double RateFor(WorkloadQuery query, double load) => EventsPerSecond[query.Name] * query.LoadShare * load;
}
