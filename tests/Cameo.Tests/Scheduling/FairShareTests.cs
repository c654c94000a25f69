using Cameo.Dataflow;
using Cameo.Scheduling;
using Cameo.Scheduling.Policies;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Cameo.Tests.Scheduling;

/// <summary>
/// The proportional-share policy on a simulated worker with a fake clock: backlogged queries ranked
/// by <see cref="FairShare"/> receive processing time close to what generalized processor sharing
/// (the fluid ideal, computed by brute force) gives them.
/// </summary>
public class FairShareTests
{
    /// <summary>A query of the simulation: its weight, the cost of each message (ticks), when it starts, how many messages it keeps queued.</summary>
    private sealed record SimQuery(double Weight, long Cost, long Start, int InFlight);

    private const long Ms = TimeSpan.TicksPerMillisecond;
    private const long T0 = 1_000_000 * Ms;

    /// <summary>
    /// One worker serves the least-ranked message; each query keeps <see cref="SimQuery.InFlight"/>
    /// messages queued from its start on (a saturated source behind a credit gate), sending the next
    /// when one of its messages completes. Returns each query's processing time received by each
    /// completion instant.
    /// </summary>
    private static List<(long Time, long[] Served)> Simulate(ISchedulingPolicy policy, SimQuery[] queries, long until)
    {
        for (int i = 0; i < queries.Length; i++) (policy as IQueryAwarePolicy)?.AddQuery(i, queries[i].Weight);
        var ready = new PriorityQueue<int, (long Rank, long Seq)>();
        long seq = 0, now = T0;
        var started = new bool[queries.Length];
        var served = new long[queries.Length];
        var trace = new List<(long, long[])>();
        void Send(int q) => ready.Enqueue(q, (policy.Rank(new PriorityContext(q, now, now, Ms, queries[q].Cost, 0), now), seq++));
        while (now < T0 + until)
        {
            for (int q = 0; q < queries.Length; q++)
                if (!started[q] && T0 + queries[q].Start <= now)
                {
                    started[q] = true;
                    for (int k = 0; k < queries[q].InFlight; k++) Send(q);
                }
            if (!ready.TryDequeue(out int next, out _))
            {
                now = T0 + queries.Where((q, i) => !started[i]).Min(q => q.Start);
                continue;
            }
            now += queries[next].Cost;
            served[next] += queries[next].Cost;
            trace.Add((now - T0, [.. served]));
            Send(next);
        }
        return trace;
    }

    /// <summary>
    /// The fluid ideal at <paramref name="until"/>: between consecutive starts the worker is split
    /// among the started queries in proportion to their weights.
    /// </summary>
    private static double[] Gps(SimQuery[] queries, long until)
    {
        var served = new double[queries.Length];
        var edges = queries.Select(q => q.Start).Where(s => s < until).Append(until).Distinct().Order().ToArray();
        for (int e = 0; e + 1 < edges.Length; e++)
        {
            double total = queries.Where(q => q.Start <= edges[e]).Sum(q => q.Weight);
            for (int q = 0; q < queries.Length; q++)
                if (queries[q].Start <= edges[e]) served[q] += (edges[e + 1] - edges[e]) * queries[q].Weight / total;
        }
        return served;
    }

    /// <summary>The largest gap, over every completion instant, between a query's service and its fluid share.</summary>
    private static double WorstLag(ISchedulingPolicy policy, SimQuery[] queries, long until) =>
        Simulate(policy, queries, until).Max(point =>
        {
            var ideal = Gps(queries, point.Time);
            return point.Served.Select((s, q) => Math.Abs(s - ideal[q])).Max();
        });

    /// <summary>What start-time fair queuing may lag: a message of every query, plus the queued messages a newcomer finds ahead of it.</summary>
    private static double Bound(SimQuery[] queries) => queries.Sum(q => q.Cost) + queries.Max(q => q.InFlight) * queries.Max(q => q.Cost);

    private static readonly SimQuery[] Staggered =
    [
        new(20, 3 * Ms, 0, 4),
        new(40, 3 * Ms, 200 * Ms, 4),
        new(40, 3 * Ms, 400 * Ms, 4),
    ];

    [Fact]
    public void Three_saturated_queries_weighted_20_40_40_and_started_apart_split_the_worker_1_2_2()
    {
        var trace = Simulate(new FairShare(), Staggered, 1000 * Ms);
        var atAllStarted = trace.First(p => p.Time >= 400 * Ms).Served;
        var atEnd = trace[^1].Served;
        var share = atEnd.Select((s, q) => (double)(s - atAllStarted[q])).ToArray();
        Assert.InRange(share[1] / share[0], 1.9, 2.1);
        Assert.InRange(share[2] / share[0], 1.9, 2.1);
        Assert.True(WorstLag(new FairShare(), Staggered, 1000 * Ms) <= Bound(Staggered));
    }

    [Fact]
    public void The_oracle_tells_fifo_apart()
    {
        Assert.True(WorstLag(SchedulingPolicies.Fifo, Staggered, 1000 * Ms) > Bound(Staggered));
    }

    [Fact]
    public void A_query_idle_for_a_while_does_not_hoard_the_credit_it_left_unused()
    {
        // B runs alone for a second; A starts afterwards with the same weight: from then on they
        // alternate instead of A running alone until its tag catches up with B's.
        SimQuery[] queries = [new(1, 2 * Ms, 1000 * Ms, 2), new(1, 2 * Ms, 0, 2)];
        var trace = Simulate(new FairShare(), queries, 1200 * Ms);
        var atStart = trace.First(p => p.Time >= 1000 * Ms).Served;
        var soon = trace.First(p => p.Time >= 1040 * Ms).Served;
        Assert.InRange(soon[1] - atStart[1], 14 * Ms, 26 * Ms);
    }

    [Property(MaxTest = 60)]
    public Property Any_mix_of_weights_costs_and_starts_stays_within_the_fairness_bound_of_the_fluid_ideal()
    {
        var query = from weight in Gen.Choose(1, 8)
                    from cost in Gen.Choose(1, 8)
                    from start in Gen.Choose(0, 100)
                    from inFlight in Gen.Choose(1, 4)
                    select new SimQuery(weight, cost * Ms, start * Ms, inFlight);
        var mix = from n in Gen.Choose(1, 4)
                  from qs in Gen.ArrayOf(query, n)
                  select qs;
        return Prop.ForAll(mix.ToArbitrary(), queries =>
        {
            queries[0] = queries[0] with { Start = 0 };
            return WorstLag(new FairShare(), queries, 300 * Ms) <= Bound(queries);
        });
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void A_weight_must_be_positive_and_finite(double weight)
    {
        var error = Assert.Throws<QueryDefinitionException>(() =>
            new CameoEngine().AddQuery("q", TimeSpan.FromSeconds(1), b => b.WithWeight(weight).From(Source.From(new[] { 1 })).To(_ => { })));
        Assert.Contains("weight", error.Message);
    }

    [Fact]
    public void The_engine_hands_each_querys_weight_to_the_policy()
    {
        var policy = new FairShare();
        var engine = new CameoEngine(new EngineOptions { Policy = policy, Workers = 1 });
        engine.AddQuery("light", TimeSpan.FromSeconds(1), b => b.From(Source.From(new[] { 1 })).To(_ => { }));
        engine.AddQuery("heavy", TimeSpan.FromSeconds(1), b => b.WithWeight(2.5).From(Source.From(new[] { 1 })).To(_ => { }));
        Assert.Equal([1, 2.5], [policy.WeightOf(0), policy.WeightOf(1)]);
    }

    [Fact]
    public void Each_parse_of_a_stateful_policy_is_a_new_instance_and_stateless_ones_are_shared()
    {
        Assert.NotSame(SchedulingPolicies.Parse("fair-share"), SchedulingPolicies.Parse("fair-share"));
        Assert.Same(SchedulingPolicies.Parse("edf"), SchedulingPolicies.Parse("edf"));
    }
}
