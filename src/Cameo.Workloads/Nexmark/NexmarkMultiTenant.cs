using System.Diagnostics;
using Cameo.Workloads.Bench;

namespace Cameo.Workloads.Nexmark;

/// <summary>One query's figures in one run of the multi-tenant NEXMark mix.</summary>
public sealed record NexmarkTenant(string Name, double LatencyTargetMs, long Outputs, double OnTarget, double P50Ms, double P99Ms);

/// <summary>One run of the mix under one policy.</summary>
public sealed record NexmarkTenantRun(string Policy, int Repeat, double Utilization, IReadOnlyList<NexmarkTenant> Queries);

/// <summary>results.json of `cameo bench nexmark-multi-tenant`.</summary>
/// <param name="Scenario">nexmark-multi-tenant.</param>
/// <param name="Workers">Worker threads.</param>
/// <param name="Load">Offered load as a fraction of the calibrated capacity.</param>
/// <param name="CapacityEventsPerSecond">What the mix processes saturated (calibration).</param>
/// <param name="OfferedEventsPerSecond">The paced input rate of every run.</param>
/// <param name="Seconds">Measured seconds per run (after the warm-up).</param>
/// <param name="Runs">Every run, in the order they ran.</param>
/// <param name="Targets">The verdicts.</param>
public sealed record NexmarkMultiTenantResult(string Scenario, int Workers, double Load, double CapacityEventsPerSecond, double OfferedEventsPerSecond, double Seconds,
    IReadOnlyList<NexmarkTenantRun> Runs, IReadOnlyList<Verdict> Targets);

/// <summary>
/// `cameo bench nexmark-multi-tenant`: Q1 (20 ms), Q5 (1 s), Q7 (5 s) and Q8 (100 ms) as four
/// tenants reading one shared stream of NEXMark events as JSON lines (parsed once, on every worker,
/// by <c>engine.Stream</c>). The mix is calibrated saturated, then paced at the asked load and run
/// per policy, rounds rotating the order; each query's on-target share and p99 are reported.
/// </summary>
public static class NexmarkMultiTenant
{
    public const string ScenarioName = "nexmark-multi-tenant";

    /// <summary>The tenants: query, latency target.</summary>
    public static IReadOnlyList<(string Name, TimeSpan Target)> Tenants { get; } =
    [
        ("q1", TimeSpan.FromMilliseconds(20)), ("q5", TimeSpan.FromSeconds(1)), ("q7", TimeSpan.FromSeconds(5)), ("q8", TimeSpan.FromMilliseconds(100)),
    ];

    /// <summary>The share of outputs on target every query must reach under Cameo.</summary>
    public const double Attainment = 0.99;

    /// <summary>Calibrates, then runs every policy <paramref name="repeat"/> times.</summary>
    public static async Task<NexmarkMultiTenantResult> RunAsync(IReadOnlyList<BenchPolicy> policies, int workers, double seconds, double warmupSeconds, double load, int repeat, int seed,
        double calibrationSeconds, Action<string>? log = null, CancellationToken cancellationToken = default)
    {
        var generator = new NexmarkGenerator(seed);
        double capacity = await CalibrateAsync(generator, workers, calibrationSeconds, cancellationToken).ConfigureAwait(false);
        double rate = capacity * load;
        log?.Invoke($"calibration: the mix takes {capacity:N0} events/s saturated on {workers} workers; runs offer {rate:N0} events/s ({load:P0})");
        var runs = new List<NexmarkTenantRun>();
        for (int r = 1; r <= repeat; r++)
            foreach (var policy in BenchRunner.RoundOrder(policies, r))
            {
                cancellationToken.ThrowIfCancellationRequested();
                GC.Collect();
                var run = await RunOnceAsync(policy, generator, workers, rate, seconds, warmupSeconds, r, cancellationToken).ConfigureAwait(false);
                runs.Add(run);
                log?.Invoke($"{policy.Name,-5} round {r}: utilization {run.Utilization:P1}; " + string.Join(", ", run.Queries.Select(q => $"{q.Name} {q.OnTarget:P1} on target, p99 {q.P99Ms:0.#} ms")));
            }
        return new NexmarkMultiTenantResult(ScenarioName, workers, load, capacity, rate, seconds, runs, Verdicts(runs));
    }

    /// <summary>The median of a query's figure over a policy's runs.</summary>
    public static double Median(IReadOnlyList<NexmarkTenantRun> runs, string policy, string query, Func<NexmarkTenant, double> figure)
    {
        var values = runs.Where(r => r.Policy == policy).Select(r => figure(r.Queries.First(q => q.Name == query))).Order().ToList();
        return values.Count == 0 ? double.NaN : values[values.Count / 2];
    }

    private static List<Verdict> Verdicts(IReadOnlyList<NexmarkTenantRun> runs)
    {
        var verdicts = new List<Verdict>();
        if (!runs.Any(r => r.Policy == BenchPolicy.Reference)) return verdicts;
        var attained = Tenants.Select(t => (t.Name, OnTarget: Median(runs, BenchPolicy.Reference, t.Name, q => q.OnTarget))).ToList();
        verdicts.Add(new($"every query >= {Attainment:P0} on target under cameo ({string.Join(", ", attained.Select(a => $"{a.Name} {a.OnTarget:P1}"))})", attained.All(a => a.OnTarget >= Attainment)));
        // The worst p99 as a multiple of its query's target, per policy, against Cameo's.
        double Worst(string policy) => Tenants.Max(t => Median(runs, policy, t.Name, q => q.P99Ms) / t.Target.TotalMilliseconds);
        foreach (var other in runs.Select(r => r.Policy).Distinct().Where(p => p != BenchPolicy.Reference))
            verdicts.Add(Targets.Info(new($"worst p99 (as a multiple of its target) {other}/cameo: {Worst(other):0.00}/{Worst(BenchPolicy.Reference):0.00} = {Worst(other) / Worst(BenchPolicy.Reference):0.00}x", null)));
        return verdicts;
    }

    /// <summary>Adds the shared stream (JSON lines from <paramref name="source"/>, parsed on every worker) and the four tenants.</summary>
    private static void Define(CameoEngine engine, Cameo.Operators.Source<string> source, int workers)
    {
        var events = engine.Stream("nexmark", s => s.From(source).Select(NexmarkJson.Parse).WithParallelism(workers)
            .WithEventTime(e => e.DateTime, NexmarkQueries.OutOfOrderness));
        engine.AddQuery("q1", Tenants[0].Target, b => NexmarkQueries.Q1(b.From(events)).To(_ => { }));
        engine.AddQuery("q5", Tenants[1].Target, b => NexmarkQueries.Q5(b.From(events), workers).To(_ => { }));
        engine.AddQuery("q7", Tenants[2].Target, b => NexmarkQueries.Q7(b.From(events)).To(_ => { }));
        engine.AddQuery("q8", Tenants[3].Target, b => NexmarkQueries.Q8(b.From(events), workers).To(_ => { }));
    }

    /// <summary>Event <c>i</c> of the generator stamped with its due time, as a JSON line.</summary>
    private static Func<long, long, string> Lines(NexmarkGenerator generator) => (index, dueMs) => NexmarkJson.Serialize(generator.Event(index, dueMs));

    /// <summary>Events per second the mix processes with its input as fast as it takes it (from the whole run's wall time).</summary>
    private static async Task<double> CalibrateAsync(NexmarkGenerator generator, int workers, double seconds, CancellationToken cancellationToken)
    {
        double rate = 50_000;
        while (true)
        {
            long count = (long)(rate * seconds);
            await using var engine = CameoEngine.Create(o => o.Workers = workers);
            Define(engine, Source.Generate(Lines(generator), eventsPerSecond: 1e9, count: count), workers);
            var clock = Stopwatch.StartNew();
            await engine.RunAsync(cancellationToken).ConfigureAwait(false);
            double measured = count / clock.Elapsed.TotalSeconds;
            if (clock.Elapsed.TotalSeconds >= seconds * 0.5) return measured;
            rate = measured * 1.5; // too short to measure: again with more input
        }
    }

    private static async Task<NexmarkTenantRun> RunOnceAsync(BenchPolicy policy, NexmarkGenerator generator, int workers, double rate, double seconds, double warmupSeconds, int repeat, CancellationToken cancellationToken)
    {
        var options = new EngineOptions { Workers = workers, Policy = policy.Policy };
        if (policy.Slots) options.UseSlots();
        await using var engine = new CameoEngine(options);
        Define(engine, Source.Generate(Lines(generator), eventsPerSecond: rate), workers);
        engine.Start();
        await Task.Delay(TimeSpan.FromSeconds(warmupSeconds), cancellationToken).ConfigureAwait(false);
        engine.ResetMetrics();
        await Task.Delay(TimeSpan.FromSeconds(seconds), cancellationToken).ConfigureAwait(false);
        double utilization = engine.Utilization;
        var queries = Tenants.Select(t =>
        {
            var stats = engine.Queries.First(q => q.Name == t.Name).Stats;
            return new NexmarkTenant(t.Name, t.Target.TotalMilliseconds, stats.Outputs, stats.SlaAttainment, stats.P50Ms, stats.P99Ms);
        }).ToList();
        var failures = engine.Queries.Where(h => h.Failure is not null).Select(h => h.Failure!).ToList();
        await engine.StopAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(false);
        if (failures.Count > 0) throw new AggregateException($"{failures.Count} query(ies) failed during the run.", failures);
        return new NexmarkTenantRun(policy.Name, repeat, utilization, queries);
    }
}
