using Cameo.Operators;
using Cameo.Scheduling;

namespace Cameo.Workloads;

/// <summary>
/// How many events per second this machine can process of each query of a scenario. Offered load
/// is set as a fraction of these numbers, so a scenario at load 0.9 keeps about 90% of the machine
/// busy on any machine.
/// </summary>
/// <param name="EventsPerSecond">Per query: its input rate if it had the whole machine.</param>
/// <param name="Rounds">How the mix calibration went: the scale found by each round.</param>
public sealed record Capacity(IReadOnlyDictionary<string, double> EventsPerSecond, IReadOnlyList<double> Rounds)
{
    /// <summary>
    /// Measures each query alone at saturation, then corrects for running them together: the whole
    /// mix is offered above that capacity and scaled by the share of the offered work it got through,
    /// until a round agrees with the last within a few percent.
    /// </summary>
    /// <param name="scenario">The queries to measure.</param>
    /// <param name="workers">Worker threads, as in the measured runs.</param>
    /// <param name="measure">How long each measurement lasts (after a warm-up of half that).</param>
    /// <param name="seed">Input seed.</param>
    /// <param name="maxRounds">Most mix rounds.</param>
    public static async Task<Capacity> MeasureAsync(Scenario scenario, int workers, TimeSpan measure, int seed, CancellationToken cancellationToken = default, int maxRounds = 4)
    {
        var alone = new Dictionary<string, double>();
        foreach (var query in scenario.Queries)
        {
            var rates = await RunAsync([query], _ => 50_000_000, workers, measure, seed, cancellationToken).ConfigureAwait(false);
            alone[query.Name] = Math.Max(1, rates[query.Name]);
        }

        // Offer the mix at 115% of the current estimate: if it gets through only a fraction f of the
        // offered work, capacity is f * 115% of the estimate; if it gets all of it, the estimate was low.
        const double Probe = 1.15;
        double scale = 1.0;
        var rounds = new List<double>();
        for (int round = 0; round < maxRounds; round++)
        {
            double s = scale;
            var achieved = await RunAsync(scenario.Queries, q => alone[q.Name] * s * q.LoadShare * Probe, workers, measure, seed, cancellationToken).ConfigureAwait(false);
            double offeredWork = 0, doneWork = 0;
            foreach (var q in scenario.Queries)
            {
                double offered = alone[q.Name] * s * q.LoadShare * Probe;
                offeredWork += offered / alone[q.Name];
                doneWork += Math.Min(offered, achieved[q.Name]) / alone[q.Name];
            }
            double next = s * Probe * doneWork / offeredWork;
            rounds.Add(next);
            scale = next;
            if (Math.Abs(next - s) / s < 0.05) break;
        }
        return new Capacity(alone.ToDictionary(kv => kv.Key, kv => kv.Value * scale), rounds);
    }

    /// <summary>Runs <paramref name="queries"/> together at the given input rates; returns the input rate each achieved.</summary>
    private static async Task<Dictionary<string, double>> RunAsync(IReadOnlyList<WorkloadQuery> queries, Func<WorkloadQuery, double> rate, int workers, TimeSpan measure, int seed, CancellationToken cancellationToken)
    {
        await using var engine = CameoEngine.Create(o => { o.Workers = workers; o.Policy = SchedulingPolicies.Fifo; });
        var handles = queries.Select(q => engine.AddQuery(q.Name, q.LatencyTarget, b => q.Define(b, RateSchedule.Constant(rate(q)), seed))).ToList();
        engine.Start();
        await Task.Delay(measure / 2, cancellationToken).ConfigureAwait(false);
        engine.ResetMetrics();
        await Task.Delay(measure, cancellationToken).ConfigureAwait(false);
        var result = handles.ToDictionary(h => h.Name, h => h.Stats.InputEventsPerSecond);
        await engine.StopAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(false);
        if (handles.FirstOrDefault(h => h.Failure is not null) is { } failed)
            throw new InvalidOperationException($"Calibrating {failed.Name} failed: {failed.Failure!.Message}", failed.Failure);
        return result;
    }

    /// <summary>The input rate of <paramref name="query"/> that uses its share of <paramref name="load"/> of the machine.</summary>
    public double RateFor(WorkloadQuery query, double load) => EventsPerSecond[query.Name] * query.LoadShare * load;
}
