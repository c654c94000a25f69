using System.Diagnostics;
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
    /// Measures each query alone at saturation (which fixes the queries' relative costs), then
    /// scales for running them together: the mix is offered at a known fraction of those rates and
    /// the scale is that fraction divided by the worker utilization it produced, repeated a little
    /// below the capacity found until two rounds agree within a few percent. Measuring utilization
    /// below saturation avoids the waves a saturated source reads in, and is what "load" means.
    /// </summary>
    /// <param name="scenario">The queries to measure.</param>
    /// <param name="workers">Worker threads, as in the measured runs.</param>
    /// <param name="measure">How long each measurement lasts at least (after a warm-up of half that); saturated queries are measured until they have read several in-flight windows of input.</param>
    /// <param name="seed">Input seed.</param>
    /// <param name="maxRounds">Most mix rounds.</param>
    /// <param name="runtime">The runtime to measure on (null: the embedded one), with FIFO order.</param>
    public static async Task<Capacity> MeasureAsync(Scenario scenario, int workers, TimeSpan measure, int seed, CancellationToken cancellationToken = default, int maxRounds = 4,
        Func<EngineOptions, Runtime.IQueryRuntime>? runtime = null)
    {
        var alone = new Dictionary<string, double>();
        foreach (var query in scenario.Queries)
        {
            var (rates, _) = await RunAsync([query], _ => 50_000_000, workers, measure, seed, runtime, cancellationToken).ConfigureAwait(false);
            alone[query.Name] = Math.Max(1, rates[query.Name]);
        }

        // Probe at 60% of the current estimate, then at 80% of each new one: utilization grows a
        // little faster than linearly toward saturation, so the last probes sit near the load measured.
        // At load L the mix should keep the workers busy L x (sum of shares) of the time (shares
        // normally add up to 1). One short, noisy reading may move the estimate at most 3x.
        double shares = scenario.Queries.Sum(q => q.LoadShare);
        double scale = 1.0, probe = 0.6;
        var rounds = new List<double>();
        for (int round = 0; round < maxRounds; round++)
        {
            double offered = scale * probe;
            var (_, utilization) = await RunAsync(scenario.Queries, q => alone[q.Name] * q.LoadShare * offered, workers, measure, seed, runtime, cancellationToken).ConfigureAwait(false);
            double next = Math.Clamp(offered * shares / Math.Max(utilization, 0.01), scale / 3, scale * 3);
            rounds.Add(next);
            bool agreed = Math.Abs(next - scale) / scale < 0.05;
            scale = next;
            probe = 0.8;
            if (agreed && round > 0) break;
        }
        return new Capacity(alone.ToDictionary(kv => kv.Key, kv => kv.Value * scale), rounds);
    }

    /// <summary>Runs <paramref name="queries"/> together at the given input rates; returns the input rate each achieved, and the workers' utilization.</summary>
    private static async Task<(Dictionary<string, double> Rates, double Utilization)> RunAsync(IReadOnlyList<WorkloadQuery> queries, Func<WorkloadQuery, double> rate, int workers, TimeSpan measure, int seed, Func<EngineOptions, Runtime.IQueryRuntime>? runtime, CancellationToken cancellationToken)
    {
        var options = new EngineOptions { Workers = workers, Policy = SchedulingPolicies.Fifo };
        if (runtime is not null) options.Runtime = runtime;
        await using var engine = new CameoEngine(options);
        var handles = queries.Select(q => engine.AddQuery(q.Name, q.LatencyTarget, b => q.Define(b, new WorkloadInput(RateSchedule.Constant(rate(q)), seed)))).ToList();
        var sinceStart = Stopwatch.StartNew();
        engine.Start();
        // A saturated source reads in waves: it fills its query's whole in-flight window, then waits
        // while the window drains through the stages (a multi-stage query measured alone for 0.3 s
        // read nothing, or a whole wave). So warm up past the first wave and measure at least three,
        // making the rate off by a fraction of a wave rather than by all of one. A query offered
        // less than that reads what it was offered (or falls behind, and is then measured longer).
        double window = (double)options.MaxInFlightMessages * options.BatchSize;
        double Needed(WorkloadQuery q, double waves, TimeSpan time) => Math.Min(waves * window, rate(q) * time.TotalSeconds);
        await Task.Delay(measure / 2, cancellationToken).ConfigureAwait(false);
        await ReadAtLeastAsync(handles, sinceStart, q => Needed(queries.First(x => x.Name == q.Name), 1.5, measure / 2), cancellationToken).ConfigureAwait(false);
        engine.ResetMetrics();
        var measured = Stopwatch.StartNew();
        await Task.Delay(measure, cancellationToken).ConfigureAwait(false);
        await ReadAtLeastAsync(handles, measured, q => Needed(queries.First(x => x.Name == q.Name), 3, measure), cancellationToken).ConfigureAwait(false);
        var result = handles.ToDictionary(h => h.Name, h => h.Stats.InputEventsPerSecond);
        double utilization = engine.Utilization;
        await engine.StopAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(false);
        if (handles.FirstOrDefault(h => h.Failure is not null) is { } failed)
            throw new InvalidOperationException($"Calibrating {failed.Name} failed: {failed.Failure!.Message}", failed.Failure);
        return (result, utilization);
    }

    /// <summary>Longest a warm-up or measurement waits for enough input (a very slow query).</summary>
    private static readonly TimeSpan MaxWait = TimeSpan.FromSeconds(10);

    /// <summary>Waits until each query has read about <paramref name="events"/> since its metrics started at <paramref name="since"/> (at most <see cref="MaxWait"/>).</summary>
    private static async Task ReadAtLeastAsync(IReadOnlyList<QueryHandle> handles, Stopwatch since, Func<QueryHandle, double> events, CancellationToken cancellationToken)
    {
        while (since.Elapsed < MaxWait && handles.Any(h => h.Stats.InputEventsPerSecond * since.Elapsed.TotalSeconds < events(h)))
            await Task.Delay(50, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The input rate of <paramref name="query"/> that uses its share of <paramref name="load"/> of the machine.</summary>
    public double RateFor(WorkloadQuery query, double load) => EventsPerSecond[query.Name] * query.LoadShare * load;
}
