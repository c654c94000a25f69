using Cameo.Dataflow;
using Cameo.Workloads.Bench;

namespace Cameo.Workloads.Tests;

/// <summary>The ideal bound's replay of a mix on cases whose answer can be worked out by hand.</summary>
public class IdealBoundTests
{
    private const long Ms = TimeSpan.TicksPerMillisecond;

    private static RandomTenant Tenant(string name, MixShape shape, double targetMs, TimeSpan window = default, int parallelism = 1) => new(
        name, name.Length, targetMs <= 100 ? QueryClass.LS : QueryClass.BA, shape, MixKey.None, TimeSpan.FromMilliseconds(targetMs), 1, MixInput.Smooth,
        window, window, TimeSpan.FromMilliseconds(50), 2, TimeSpan.FromSeconds(2), TimeSpan.FromMilliseconds(200), 0.5, parallelism);

    /// <summary>
    /// Profiled costs as the engine reports them: <paramref name="perRecordMs"/> per source record in
    /// the heavy stage, <paramref name="firingMs"/> per result its firings emitted (included in its
    /// busy time), <paramref name="sinkMs"/> per output.
    /// </summary>
    private static IReadOnlyList<OperatorCost> Costs(double perRecordMs, double sinkMs = 0, double firingMs = 0) =>
    [
        new(0, "Source#0", NodeKind.Source, 1, 1000, 1000),
        new(1, "Where#1", NodeKind.Operator, 1, 1000, (long)(1000 * perRecordMs * Ms) + (long)(100 * firingMs * Ms))
        {
            FiringTicks = (long)(100 * firingMs * Ms),
            Results = 100,
        },
        new(2, "Sink#2", NodeKind.Sink, 1, 100, (long)(100 * sinkMs * Ms)),
    ];

    private static Task<RunResult> Replay(RandomTenant[] tenants, double[] rates, IReadOnlyList<OperatorCost>[] costs, int workers = 1, double seconds = 2)
    {
        var scenario = new Scenario(RandomMix.ScenarioName, [.. tenants.Select(t => t.ToQuery())], [], seconds) { BulkBurstPeriod = null };
        return IdealBound.ReplayAsync(scenario, tenants,
            tenants.Select((t, i) => (t.Name, rates[i])).ToDictionary(x => x.Name, x => x.Item2),
            tenants.Select((t, i) => (t.Name, costs[i])).ToDictionary(x => x.Name, x => x.Item2),
            seed: 1, workers, warmupSeconds: 1, seconds);
    }

    [Fact]
    public async Task A_lone_filter_below_capacity_emits_each_output_one_record_cost_after_it_arrived()
    {
        var result = await Replay([Tenant("alone", MixShape.Stateless, 10)], [100], [Costs(1)]);

        var q = Assert.Single(result.Queries);
        Assert.Equal(IdealBound.Policy, result.Policy);
        Assert.True(q.Stats.Outputs > 5);
        Assert.Equal(1.0, q.Stats.P99Ms, 1);
        Assert.Equal(1.0, q.Stats.MaxMs, 1);
        Assert.Equal(1.0, q.Stats.SlaAttainment);
        Assert.Equal(100, q.Stats.InputEventsPerSecond, 0);
    }

    [Fact]
    public async Task A_tight_tenant_preempts_a_loose_one_and_never_waits_behind_it()
    {
        // 60% + 30% of one worker; each tight record (6 ms, 10 ms apart) starts the moment it
        // arrives. Run to completion one message at a time, a tight record arriving during a loose
        // one's 6 ms would wait up to 6 ms and miss its 10 ms target.
        var result = await Replay(
            [Tenant("tight", MixShape.Stateless, 10), Tenant("loose", MixShape.Stateless, 1000)],
            [100, 50], [Costs(6), Costs(6)]);

        var tight = result.Queries.Single(q => q.Name == "tight");
        var loose = result.Queries.Single(q => q.Name == "loose");
        Assert.Equal(6.0, tight.Stats.MaxMs, 1);
        Assert.Equal(1.0, tight.Stats.SlaAttainment);
        // Worst case: a loose record arrives with a tight one (waits 6 ms, runs 4 ms) and is
        // preempted by the next tight record (6 ms more) before its last 2 ms: 18 ms.
        Assert.InRange(loose.Stats.MaxMs, 6.0, 18.1);
        Assert.Equal(1.0, loose.Stats.SlaAttainment);
        Assert.InRange(result.Utilization, 0.85, 0.95);
    }

    [Fact]
    public async Task A_global_tumbling_window_emits_one_result_per_window_closed_in_the_measured_time()
    {
        // Windows of 1 s aligned to the second; the window ending at second k closes when an event
        // stamped k s + 25 ms (the out-of-orderness bound) arrives. Measured time [1 s, 3 s):
        // the windows ending at 1 s and 2 s fire in it, each costing the sink's 1 ms.
        var result = await Replay([Tenant("window", MixShape.Tumbling, 50, TimeSpan.FromSeconds(1))], [100], [Costs(0.1, sinkMs: 1)]);

        var q = Assert.Single(result.Queries);
        Assert.Equal(2, q.Stats.Outputs);
        Assert.Equal(1.0, q.Stats.MaxMs, 1);
        Assert.Equal(1.0, q.Stats.SlaAttainment);
    }

    [Fact]
    public async Task A_firing_costs_what_the_window_spent_emitting_each_result_at_the_close_not_before()
    {
        // As above, with 4 ms of the window's busy time spent emitting each result: a firing takes
        // 4 ms + the sink's 1 ms, after the close (the records' 0.1 ms each ran as they came).
        var result = await Replay([Tenant("window", MixShape.Tumbling, 50, TimeSpan.FromSeconds(1))], [100], [Costs(0.1, sinkMs: 1, firingMs: 4)]);

        var q = Assert.Single(result.Queries);
        Assert.Equal(2, q.Stats.Outputs);
        Assert.Equal(5.0, q.Stats.MaxMs, 1);
    }

    [Fact]
    public async Task A_window_fires_only_after_every_record_read_before_its_closing_event_was_processed()
    {
        // Records of 12 ms at 100 records/s: 1.2 s of work per 1 s window. The window [0 s, 1 s)
        // closes with the first event stamped 1.025 s or later (arriving up to 20 ms later, the
        // generator's skew); its watermark follows the ~104 records read before it on the
        // instance's channel, worked off at about 1.25 s: about 210 ms after. The next window,
        // started after that, closes about 410 ms late.
        var result = await Replay([Tenant("window", MixShape.Tumbling, 5000, TimeSpan.FromSeconds(1))], [100], [Costs(12, sinkMs: 1)]);

        var q = Assert.Single(result.Queries);
        Assert.Equal(2, q.Stats.Outputs);
        Assert.InRange(q.Stats.P50Ms, 195, 225);
        Assert.InRange(q.Stats.MaxMs, 395, 425);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task An_instance_takes_its_records_in_order_so_a_query_uses_at_most_as_many_workers_as_its_parallelism(int parallelism)
    {
        // 8 ms records every 5 ms: 1.6 workers' worth. On two instances the two workers keep up; on
        // one, the backlog grows for the whole run, though a second worker is idle.
        var result = await Replay([Tenant("heavy", MixShape.Stateless, 1000, parallelism: parallelism)], [200], [Costs(8)], workers: 2);

        var q = Assert.Single(result.Queries);
        if (parallelism == 1) Assert.True(q.Stats.MaxMs > 500, $"max {q.Stats.MaxMs} ms");
        else Assert.InRange(q.Stats.MaxMs, 8.0, 20.0);
    }
}
