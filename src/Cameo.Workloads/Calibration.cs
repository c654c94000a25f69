using System.Diagnostics;
using Cameo.Operators;
using Cameo.Scheduling;

namespace Cameo.Workloads;

/// <summary>What one round of the mix calibration measured.</summary>
/// <param name="Utilization">Fraction of the workers' time spent processing.</param>
/// <param name="Processed">Fraction of the offered input the queries read, each weighted by its load share (1 when the workers kept up).</param>
public readonly record struct MixReading(double Utilization, double Processed);

/// <summary>One round of the mix calibration: the scale offered and the utilization it produced.</summary>
/// <param name="Scale">Multiplier of the queries' capacities alone.</param>
/// <param name="Utilization">Fraction of the workers' time spent processing in the round.</param>
/// <param name="Processed">Fraction of the offered input the queries read (see <see cref="MixReading"/>).</param>
public sealed record CalibrationRound(double Scale, double Utilization, double Processed = 1);

/// <summary>
/// How many events per second this machine can process of each query of a scenario. Offered load
/// is set as a fraction of these numbers, so a scenario at load 0.9 keeps about 90% of the machine
/// busy on any machine.
/// </summary>
/// <param name="EventsPerSecond">Per query: the input rate that would fill the machine with its share of the mix.</param>
/// <param name="Load">The load the mix was calibrated at (see <see cref="CalibrationLoad"/>).</param>
/// <param name="Rounds">How the mix calibration went: each round's scale and the utilization it reached.</param>
/// <param name="Scale">The multiplier of the capacities alone the calibration settled on (see <see cref="ConvergeAsync"/>).</param>
public sealed record Capacity(IReadOnlyDictionary<string, double> EventsPerSecond, double Load, IReadOnlyList<CalibrationRound> Rounds, double Scale = 1)
{
    /// <summary>Highest load the mix is calibrated at: closer to saturation a reading says only "too much". Higher loads are offered in proportion.</summary>
    public const double MaxCalibratedLoad = 0.95;

    /// <summary>A mix round is accepted when its utilization is this close to the aim (absolute fraction).</summary>
    public const double Tolerance = 0.02;

    /// <summary>The load a mix asked to run at <paramref name="load"/> is calibrated at.</summary>
    public static double CalibrationLoad(double load) => Math.Min(load, MaxCalibratedLoad);

    /// <summary>
    /// Measures each query alone (which fixes the queries' relative costs; see <see cref="RunAloneAsync"/>;
    /// queries sharing an input are measured together), then
    /// closes the loop on the mix itself: the mix is offered at the asked load, exactly as a run
    /// offers it (same bursts, same warm-up), its utilization is measured, and the scale is
    /// corrected by that feedback (<see cref="ConvergeAsync"/>) until a round lands within
    /// <see cref="Tolerance"/> of the load. The queries alone read smooth input and do
    /// not share the workers, so their sum misses the mix's real cost; only the mix at the asked
    /// load measures it.
    /// </summary>
    /// <param name="scenario">The queries to measure (its spikes are not applied).</param>
    /// <param name="workers">Worker threads, as in the measured runs.</param>
    /// <param name="measure">How long each query alone is measured at least (after a warm-up of half that; saturated queries are measured until they have read several in-flight windows of input); each mix round warms up this long and measures twice this.</param>
    /// <param name="seed">Input seed.</param>
    /// <param name="load">The load the runs will be offered; the mix is calibrated at <see cref="CalibrationLoad"/> of it.</param>
    /// <param name="cancellationToken">Stops calibrating.</param>
    /// <param name="maxRounds">Most mix rounds.</param>
    /// <param name="runtime">The runtime to measure on (null: the embedded one).</param>
    /// <param name="policy">The policy the calibration runs under (default Cameo, whose runs the targets are stated at; on another runtime its own factory decides).</param>
    public static async Task<Capacity> MeasureAsync(Scenario scenario, int workers, TimeSpan measure, int seed, double load, CancellationToken cancellationToken = default, int maxRounds = 5,
        Func<EngineOptions, Runtime.IQueryRuntime>? runtime = null, ISchedulingPolicy? policy = null)
    {
        policy ??= SchedulingPolicies.Cameo;
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(load);
        var alone = new Dictionary<string, double>();
        if (scenario.Shared is not null)
        {
            // The queries read one input: they are measured together, at the input's rate, which is each one's capacity (load share 1).
            var steadyMix = scenario with { Spikes = [] };
            double rate = await RunAloneAsync(scenario.Name, (engine, r) => ScenarioRunner.Deploy(engine, steadyMix, _ => new WorkloadInput(RateSchedule.Constant(r), seed)),
                workers, measure, policy, runtime, cancellationToken).ConfigureAwait(false);
            foreach (var query in scenario.Queries) alone[query.Name] = Math.Max(1, rate);
        }
        else
        {
            foreach (var query in scenario.Queries)
            {
                var rates = await RunAloneAsync(query.Name, (engine, r) => [engine.AddQuery(query.Name, query.LatencyTarget, b => query.Define(b, new WorkloadInput(RateSchedule.Constant(r), seed)))],
                    workers, measure, policy, runtime, cancellationToken).ConfigureAwait(false);
                alone[query.Name] = Math.Max(1, rates);
            }
        }

        double at = CalibrationLoad(load);
        var steady = scenario with { Spikes = [] };
        var mix = new RunSettings(policy, workers, 2 * measure.TotalSeconds, measure.TotalSeconds, at, seed, Runtime: runtime);
        // At load L the mix should keep the workers busy L x (sum of shares) of the time (shares normally add up to 1; queries sharing an input all read the whole of it).
        double aim = Math.Min(1, at * (scenario.Shared is null ? scenario.Queries.Sum(q => q.LoadShare) : 1));
        async Task<MixReading> ReadingAt(double scale)
        {
            var capacity = new Capacity(alone.ToDictionary(kv => kv.Key, kv => kv.Value * scale), load, []);
            var result = await ScenarioRunner.RunAsync(steady, capacity, mix, cancellationToken: cancellationToken).ConfigureAwait(false);
            double shares = result.Queries.Sum(q => scenario.Queries.First(w => w.Name == q.Name).LoadShare);
            double processed = result.Queries.Sum(q => scenario.Queries.First(w => w.Name == q.Name).LoadShare * Math.Min(1, q.Stats.InputEventsPerSecond / Math.Max(q.OfferedEventsPerSecond, 1e-9))) / shares;
            return new MixReading(result.Utilization, processed);
        }

        // The first run of the mix in a process runs code paths the queries alone did not (bursts,
        // several queries' messages interleaved) cold, and reads busier than its steady state well
        // past its own warm-up: it warms the process and is not a reading.
        await ReadingAt(0.5).ConfigureAwait(false);
        var (found, rounds) = await ConvergeAsync(ReadingAt, aim, initialScale: 1, maxRounds).ConfigureAwait(false);
        return new Capacity(alone.ToDictionary(kv => kv.Key, kv => kv.Value * found), load, rounds, found);
    }

    /// <summary>
    /// The feedback loop of the mix calibration. Below saturation utilization is about proportional
    /// to the offered rate, u = c x scale; each round measures u at a scale, which is one noisy
    /// reading of c. While a round lands more than <paramref name="tolerance"/> from
    /// <paramref name="aim"/>, or lands there while falling behind its input, the next scale is aim / c, with c the mean of the readings so far,
    /// the n-th round weighing n: averaging is the damping (one noisy round moves the estimate by its
    /// share only), and later rounds, nearer the aim, count more where c drifts with the rate.
    /// (Weighting rounds by how close they landed would favour the ones whose noise pushed them
    /// toward the aim.) A saturated round reads c from what the queries did process instead: a mix
    /// demanding D times the machine processes 1/D of its input, so c = 1 / (scale x processed). A
    /// round is saturated when the workers were busy all the time, or when the queries read clearly
    /// less than offered whatever the utilization (a runtime whose bottleneck is not worker time,
    /// such as Orleans' turn-based grains, falls behind with workers partly idle: raising the scale
    /// there would only overload it). One round moves the scale at most 3x.
    /// </summary>
    /// <param name="readingAt">Runs the mix at a scale and returns what it measured.</param>
    /// <param name="aim">The utilization wanted.</param>
    /// <param name="initialScale">The first scale tried.</param>
    /// <param name="maxRounds">Most rounds (at least one).</param>
    /// <param name="tolerance">How close a round must land to stop.</param>
    /// <returns>The scale to use (the last round's if it landed within tolerance, else the estimate from every round) and every round measured.</returns>
    public static async Task<(double Scale, IReadOnlyList<CalibrationRound> Rounds)> ConvergeAsync(Func<double, Task<MixReading>> readingAt, double aim, double initialScale, int maxRounds, double tolerance = Tolerance)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxRounds);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(aim);
        var rounds = new List<CalibrationRound>();
        double scale = initialScale;
        for (int round = 0; round < maxRounds; round++)
        {
            var reading = await readingAt(scale).ConfigureAwait(false);
            rounds.Add(new CalibrationRound(scale, reading.Utilization, reading.Processed));
            // A round at the aimed utilization that fell behind its input is overloaded, not at the aim:
            // its workers were busy with a backlog the offered rate keeps growing.
            if (Math.Abs(reading.Utilization - aim) <= tolerance && reading.Processed >= KeptUp) return (scale, rounds);
            scale = Math.Clamp(Next(rounds, aim), scale / 3, scale * 3);
        }
        return (scale, rounds);
    }

    /// <summary>Utilization at or above which the workers are taken as saturated.</summary>
    private const double Saturated = 0.98;

    /// <summary>Share of the offered input below which the mix is taken as falling behind.</summary>
    private const double KeptUp = 0.95;

    /// <summary>The next scale to try after <paramref name="rounds"/> (see <see cref="ConvergeAsync"/>).</summary>
    private static double Next(IReadOnlyList<CalibrationRound> rounds, double aim)
    {
        double weighted = 0, weights = 0;
        for (int i = 0; i < rounds.Count; i++)
        {
            var r = rounds[i];
            double c = r.Utilization >= Saturated || r.Processed < KeptUp
                ? 1 / (r.Scale * Math.Clamp(r.Processed, 0.01, 1))
                : Math.Max(r.Utilization, 0.01) / r.Scale;
            weighted += (i + 1) * c;
            weights += i + 1;
        }
        return aim / (weighted / weights);
    }

    /// <summary>
    /// The input rate at which what <paramref name="deploy"/> adds (a query alone, or the queries
    /// sharing one input) would keep the workers busy all the time, in the units its input is
    /// offered in (the rate of its main source; a join's other source follows at its own ratio).
    /// </summary>
    /// <remarks>
    /// A run on saturated input gives a first estimate. It counts every source's records, and at
    /// saturation the sources of one query no longer keep their ratio: a join's cheap side reads far
    /// ahead of its expensive side. So the capacity is read from paced runs, where every source keeps
    /// its ratio, below saturation, where utilization is about proportional to the rate: capacity =
    /// rate / utilization.
    /// </remarks>
    private static async Task<double> RunAloneAsync(string name, Func<CameoEngine, double, IReadOnlyList<QueryHandle>> deploy, int workers, TimeSpan measure, ISchedulingPolicy policy,
        Func<EngineOptions, Runtime.IQueryRuntime>? runtime, CancellationToken cancellationToken)
    {
        var saturated = await RunAloneAtAsync(name, deploy, SaturatingRate, workers, measure, policy, runtime, cancellationToken).ConfigureAwait(false);
        double rate = saturated.EventsPerSecond / 2;
        for (int attempt = 0; attempt < 4 && rate >= 1; attempt++)
        {
            var paced = await RunAloneAtAsync(name, deploy, rate, workers, measure, policy, runtime, cancellationToken).ConfigureAwait(false);
            if (paced.Utilization is > 0.05 and < PacedUtilizationBound) return rate / paced.Utilization;
            // Saturated (a rate counted in the wrong units), or too light to read: try a third of it, or thrice.
            rate = paced.Utilization >= PacedUtilizationBound ? rate / 3 : rate * 3;
        }
        return saturated.EventsPerSecond;
    }

    /// <summary>An input rate no query keeps up with: every source reads as fast as its query lets it.</summary>
    private const double SaturatingRate = 50_000_000;

    /// <summary>Above this utilization a paced run may be saturated, and its rate says only "too much".</summary>
    private const double PacedUtilizationBound = 0.85;

    /// <summary>
    /// Runs what <paramref name="deploy"/> adds (a query alone, or the queries sharing an input) at
    /// <paramref name="rate"/>; returns the input rate read (every source of a query; the slowest
    /// reader of a shared input) and the workers' utilization.
    /// </summary>
    private static async Task<(double EventsPerSecond, double Utilization)> RunAloneAtAsync(string name, Func<CameoEngine, double, IReadOnlyList<QueryHandle>> deploy, double rate, int workers, TimeSpan measure,
        ISchedulingPolicy policy, Func<EngineOptions, Runtime.IQueryRuntime>? runtime, CancellationToken cancellationToken)
    {
        var options = new EngineOptions { Workers = workers, Policy = policy };
        if (runtime is not null) options.Runtime = runtime;
        await using var engine = new CameoEngine(options);
        var handles = deploy(engine, rate);
        var handle = handles[0];
        var sinceStart = Stopwatch.StartNew();
        engine.Start();
        // A saturated source reads in waves: it fills its query's whole in-flight window, then waits
        // while the window drains through the stages (a multi-stage query measured alone for 0.3 s
        // read nothing, or a whole wave). So warm up past the first wave and measure at least three,
        // making the rate off by a fraction of a wave rather than by all of one.
        bool saturating = rate >= SaturatingRate;
        double window = (double)options.MaxInFlightMessages * options.BatchSize;
        await Task.Delay(measure / 2, cancellationToken).ConfigureAwait(false);
        if (saturating) await ReadAtLeastAsync(handle, sinceStart, 1.5 * window, cancellationToken).ConfigureAwait(false);
        engine.ResetMetrics();
        var measured = Stopwatch.StartNew();
        await Task.Delay(measure, cancellationToken).ConfigureAwait(false);
        if (saturating) await ReadAtLeastAsync(handle, measured, 3 * window, cancellationToken).ConfigureAwait(false);
        double read = handles.Min(h => h.Stats.InputEventsPerSecond), utilization = engine.Utilization;
        // A saturated query may hold more in flight than it drains in the stop's grace period; that
        // is not a failure of the measurement, which is taken by then.
        await engine.StopAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(false);
        if (handles.Select(h => h.Failure).FirstOrDefault(f => f is { InnerException: not TimeoutException }) is { } failure)
            throw new InvalidOperationException($"Calibrating {name} failed: {failure.Message}", failure);
        return (read, utilization);
    }

    /// <summary>Longest a warm-up or measurement waits for enough input (a very slow query).</summary>
    private static readonly TimeSpan MaxWait = TimeSpan.FromSeconds(10);

    /// <summary>Waits until the query has read about <paramref name="events"/> since its metrics started at <paramref name="since"/> (at most <see cref="MaxWait"/>).</summary>
    private static async Task ReadAtLeastAsync(QueryHandle handle, Stopwatch since, double events, CancellationToken cancellationToken)
    {
        while (since.Elapsed < MaxWait && handle.Stats.InputEventsPerSecond * since.Elapsed.TotalSeconds < events)
            await Task.Delay(50, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The input rate of <paramref name="query"/> that uses its share of <paramref name="load"/> of the machine.</summary>
    public double RateFor(WorkloadQuery query, double load) => EventsPerSecond[query.Name] * query.LoadShare * load;
}
