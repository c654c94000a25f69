using Cameo.Dataflow;
using Cameo.Progress;
using Cameo.Runtime;
using Cameo.Scheduling;
using Cameo.Tests.Support;
using Cameo.Time;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Microsoft.Extensions.Time.Testing;

namespace Cameo.Tests.Scheduling;

/// <summary>How query semantics become deadlines: release paths, frontiers, and the arrival forecast.</summary>
public class PriorityArithmeticTests
{
    /// <summary>The earliest end of a window holding <paramref name="t"/>, by brute force.</summary>
    private static long FirstEnd(long t, WindowSpec w) => WindowOracle.StartsContaining(t, w).Min() + w.Size;

    /// <summary>Predicts arrival as event time plus a fixed lag.</summary>
    private sealed class FixedLag(long lagTicks) : IFrontierSource
    {
        public long ExpectedArrival(long eventTimeMs) => PhysicalTime.FromEventTime(eventTimeMs) + lagTicks;
    }

    private static readonly Gen<long> Times = Gen.Choose(-5_000, 50_000).Select(x => EventGen.Base + x);

    [Property(MaxTest = 300)]
    public Property A_path_through_one_window_releases_at_the_end_of_the_earliest_window_holding_the_record() =>
        Prop.ForAll(Gen.Elements(EventGen.Windows).ToArbitrary(), Times.ToArbitrary(), (w, t) =>
            new ReleasePath([w]).Release(t) == FirstEnd(t, w));

    [Property(MaxTest = 300)]
    public Property A_path_through_two_windows_releases_when_the_second_window_holding_the_first_result_closes() =>
        Prop.ForAll(Gen.Two(Gen.Elements(EventGen.Windows)).ToArbitrary(), Times.ToArbitrary(), (ws, t) =>
        {
            var (w1, w2) = ws;
            long firstResult = FirstEnd(t, w1) - 1; // a window's result is stamped with its last millisecond
            return new ReleasePath([w1, w2]).Release(t) == FirstEnd(firstResult, w2);
        });

    [Fact]
    public void A_stateless_path_releases_at_once()
    {
        Assert.True(ReleasePath.Immediate.IsImmediate);
        Assert.Equal(1234, ReleasePath.Immediate.Release(1234));
        Assert.Equal(777, ContextConverter.Frontier(777, EventGen.Base, [ReleasePath.Immediate], new FixedLag(0), 50));
    }

    [Fact]
    public void Validation_gives_each_operator_the_window_paths_below_it_including_joins()
    {
        var query = new QueryBuilder("paths");
        var left = query.From(Source.From(Array.Empty<Ev>())).WithEventTime(e => e.Time, TimeSpan.Zero);
        var right = query.From(Source.From(Array.Empty<Ev>())).WithEventTime(e => e.Time, TimeSpan.Zero);
        left.Where(_ => true).To(_ => { });                                   // a stateless path
        left.KeyBy(e => e.Key).Window(TimeSpan.FromSeconds(1)).Count()         // 1 s, then 10 s
            .KeyBy(r => r.Key).Window(TimeSpan.FromSeconds(10)).Sum(r => r.Value).To(_ => { });
        left.Join(right, e => e.Key, e => e.Key, WindowSpec.Sliding(TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(2)), (l, r) => l.Id).To(_ => { });
        query.Graph.Validate();

        string Describe(LogicalNode n) => string.Join(" | ", n.ReleasePaths.Select(p => string.Join(">", p.Windows.Select(w => $"{w.Size}/{w.Slide}"))).Order());
        var nodes = query.Graph.Nodes;
        Assert.Equal(" | 1000/1000>10000/10000 | 4000/2000", Describe(nodes[0])); // left source: immediate, two windows, the join
        Assert.Equal("4000/2000", Describe(nodes[1]));                           // right source: only the join
        Assert.Equal("10000/10000", Describe(nodes.Single(n => n.Name.StartsWith("Count#"))));
    }

    [Property(MaxTest = 200)]
    public Property A_frontier_is_the_expected_arrival_of_the_event_that_releases_the_earliest_path() =>
        Prop.ForAll((
            from ws in Gen.Two(Gen.Elements(EventGen.Windows))
            from t in Times
            from delay in Gen.Choose(0, 500)
            from lagMs in Gen.Choose(-2_000, 2_000)
            select (W1: ws.Item1, W2: ws.Item2, T: t, Delay: (long)delay, LagMs: lagMs)).ToArbitrary(), c =>
        {
            var lag = new FixedLag(TimeSpan.FromMilliseconds(c.LagMs).Ticks);
            ReleasePath[] paths = [new([c.W1]), new([c.W1, c.W2]), new([c.W2])];
            long expected = paths.Min(p => lag.ExpectedArrival(p.Release(c.T) + c.Delay));
            long arrival = PhysicalTime.FromEventTime(c.T);
            // never before the message's own arrival: a late forecast is no reason to wait
            return ContextConverter.Frontier(arrival, c.T, paths, lag, c.Delay) == Math.Max(arrival, expected);
        });

    [Fact]
    public void A_watermark_is_urgent_when_it_closes_a_window_and_otherwise_due_when_the_next_one_closes()
    {
        var lag = new FixedLag(TimeSpan.FromMilliseconds(5).Ticks);
        ReleasePath[] paths = [new([new WindowSpec(1000, 1000)])];
        const long arrival = 42;
        // 10_500 -> 10_900 closes nothing: due when the watermark reaching 11_000 arrives (event 11_000 + delay 20).
        Assert.Equal(lag.ExpectedArrival(11_020), ContextConverter.WatermarkFrontier(arrival, 10_500, 10_900, paths, lag, 20));
        // 10_500 -> 11_000 closes [10_000, 11_000): urgent, due at its own arrival.
        Assert.Equal(arrival, ContextConverter.WatermarkFrontier(arrival, 10_500, 11_000, paths, lag, 20));
        // 10_999 -> 11_000 moves one millisecond onto the window's end, and closes it just the same.
        Assert.Equal(arrival, ContextConverter.WatermarkFrontier(arrival, 10_999, 11_000, paths, lag, 20));
        // 11_000 -> 11_500: [10_000, 11_000) closed with the previous watermark; nothing closes now.
        Assert.Equal(lag.ExpectedArrival(12_020), ContextConverter.WatermarkFrontier(arrival, 11_000, 11_500, paths, lag, 20));
        // A first watermark closes nothing sent before it: due when the window holding it closes.
        Assert.Equal(lag.ExpectedArrival(11_020), ContextConverter.WatermarkFrontier(arrival, Watermark.None, 10_000, paths, lag, 20));
        Assert.Equal(arrival, ContextConverter.WatermarkFrontier(arrival, 10_500, Watermark.EndOfStream, paths, lag, 20));
        Assert.Equal(arrival, ContextConverter.WatermarkFrontier(arrival, 10_500, 10_600, [ReleasePath.Immediate], lag, 20));
    }

    /// <summary>
    /// Whether a watermark moving from <paramref name="previous"/> to <paramref name="next"/> closes a
    /// window, by brute force over the window grid: a window closes when the watermark reaches its end
    /// (the rule of the window operators), so some window's end must lie in (previous, next].
    /// </summary>
    private static bool ClosesByGrid(long previous, long next, WindowSpec w)
    {
        long first = (long)Math.Floor((previous - w.Size) / (double)w.Slide) - 1;
        for (long start = first * w.Slide; start <= next; start += w.Slide) // every window start on the grid
            if (start + w.Size > previous && start + w.Size <= next) return true;
        return false;
    }

    [Property(MaxTest = 300)]
    public Property A_watermark_closes_a_window_exactly_when_some_window_end_lies_between_the_previous_watermark_and_it() =>
        Prop.ForAll((
            from w in Gen.Elements(EventGen.Windows)
            from previous in Times
            from step in Gen.OneOf(Gen.Choose(1, 3), Gen.Choose(1, 3_000))
            select (W: w, Previous: previous, Next: previous + step)).ToArbitrary(), c =>
        {
            ReleasePath[] paths = [new([c.W])];
            bool closes = ClosesByGrid(c.Previous, c.Next, c.W);
            const long arrival = 42;
            return ContextConverter.ClosesWindow(c.Previous, c.Next, paths) == closes
                && (ContextConverter.WatermarkFrontier(arrival, c.Previous, c.Next, paths, new FixedLag(0), 0) == arrival) == closes;
        });

    [Property(MaxTest = 100)]
    public bool Start_deadline_is_frontier_plus_target_minus_the_costs(int query, long arrival, int frontier, int target, int op, int path)
    {
        var ctx = new PriorityContext(query, arrival, frontier, target, op, path);
        return ctx.StartDeadline == (long)frontier + target - op - path && ctx.CompletionDeadline == (long)frontier + target;
    }

    [Fact]
    public void A_context_is_priced_with_the_senders_knowledge_of_its_target()
    {
        var costs = new DownstreamCosts(4, [2, 3]);
        costs.Apply(new ReplyContext(2, OperatorCost: 70, CriticalPathCost: 300));
        var ctx = ContextConverter.Build(queryId: 5, latencyTarget: 1_000, arrival: 10, frontier: 20, costs, target: 2);
        Assert.Equal(new PriorityContext(5, 10, 20, 1_000, 70, 300), ctx);
        Assert.Equal(20 + 1_000 - 70 - 300, ctx.StartDeadline);
    }

    [Fact]
    public void The_frontier_estimator_learns_the_lag_and_follows_a_change()
    {
        var estimator = new FrontierEstimator();
        long lag1 = TimeSpan.FromMilliseconds(30).Ticks, lag2 = TimeSpan.FromMilliseconds(400).Ticks;
        for (long t = 0; t < 100; t++) estimator.Observe(EventGen.Base + t, PhysicalTime.FromEventTime(EventGen.Base + t) + lag1);
        Assert.Equal(lag1, estimator.LagTicks);
        Assert.Equal(PhysicalTime.FromEventTime(EventGen.Base + 5_000) + lag1, estimator.ExpectedArrival(EventGen.Base + 5_000));

        var gaps = new List<long>();
        for (long t = 100; t < 2_000; t++)
        {
            estimator.Observe(EventGen.Base + t, PhysicalTime.FromEventTime(EventGen.Base + t) + lag2);
            gaps.Add(Math.Abs(lag2 - estimator.LagTicks));
        }
        Assert.True(gaps.Zip(gaps.Skip(1)).All(g => g.Second <= g.First), "each sample moves the estimate toward the observed lag");
        Assert.True(gaps[^1] < (lag2 - lag1) / 100, $"still {gaps[^1]} ticks off after {gaps.Count} samples");
    }

    [Fact]
    public void An_output_that_needs_every_source_is_forecast_by_the_latest_of_them()
    {
        var combined = new QueryFrontier();
        var early = combined.AddSource();
        var late = combined.AddSource();
        early.Observe(EventGen.Base, PhysicalTime.FromEventTime(EventGen.Base) + 10);
        late.Observe(EventGen.Base, PhysicalTime.FromEventTime(EventGen.Base) + 5_000);
        Assert.Equal([early, late], combined.Sources);
        Assert.Equal(late.ExpectedArrival(EventGen.Base + 77), combined.ExpectedArrival(EventGen.Base + 77));
    }

    [Fact]
    public void A_source_promises_the_largest_event_time_seen_minus_its_bound_and_teaches_its_forecast()
    {
        var frontier = new QueryFrontier();
        var source = new SourceProgress(watermarkDelayMs: 100, frontier.AddSource());
        Assert.Equal(Watermark.None, source.Watermark);
        long now = PhysicalTime.FromEventTime(EventGen.Base + 2_000);
        source.Observe([EventGen.Base + 1_000, EventGen.Base + 1_500, EventGen.Base + 1_200], [], now);
        Assert.Equal(EventGen.Base + 1_400, source.Watermark);
        Assert.Equal(TimeSpan.FromMilliseconds(1_000).Ticks, source.Estimator.LagTicks); // the first record's lag: it arrived at now
        source.Observe([EventGen.Base + 900], [now], now); // older records never move the watermark back
        Assert.Equal(EventGen.Base + 1_400, source.Watermark);
        Assert.Equal(frontier.ExpectedArrival(EventGen.Base + 5_000), source.Estimator.ExpectedArrival(EventGen.Base + 5_000));
    }

    [Fact]
    public void A_join_takes_the_later_frontier_of_its_inputs()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var runtime = new EmbeddedRuntime(SchedulingPolicies.Cameo, 1, TimeSpan.FromHours(1));
        var run = Deployment.Deploy(runtime, 0, "join", TimeSpan.FromMilliseconds(100), clock, b =>
        {
            var l = b.From(Source.From(Array.Empty<long>())).WithEventTime(t => t, TimeSpan.Zero);
            var r = b.From(Source.From(Array.Empty<long>())).WithEventTime(t => t, TimeSpan.Zero);
            l.Join(r, x => 0, x => 0, WindowSpec.Tumbling(TimeSpan.FromSeconds(1)), (x, y) => x + y).To(_ => { });
        });
        var sources = run.Hosts.OfType<Execution.SourceHost<long>>().ToArray();
        long now = PhysicalTime.Now(clock);
        long eventNow = PhysicalTime.ToEventTime(now);
        sources[0].Ingest([eventNow], null, 1, now);        // left events arrive as they happen
        sources[1].Ingest([eventNow - 300], null, 1, now);  // right events arrive 300 ms after they happen

        Assert.Equal(sources[1].SourceProgress.Estimator.ExpectedArrival(eventNow + 1000), run.Context.Frontier.ExpectedArrival(eventNow + 1000));
        Assert.Equal(PhysicalTime.FromEventTime(eventNow + 1000) + TimeSpan.FromMilliseconds(300).Ticks, run.Context.Frontier.ExpectedArrival(eventNow + 1000));
    }

    [Fact]
    public void Input_progress_is_the_minimum_over_channels_and_remembers_who_moved_it()
    {
        var progress = new InputProgress(2);
        Assert.False(progress.Advance(0, 100, arrival: 1));  // channel 1 knows nothing yet
        Assert.Equal(Watermark.None, progress.Current);
        Assert.True(progress.Advance(1, 50, arrival: 2));
        Assert.Equal((50L, 2L), (progress.Current, progress.CurrentArrival));
        Assert.False(progress.Advance(1, 40, arrival: 3)); // watermarks never go back
        Assert.True(progress.Advance(1, 200, arrival: 4));
        Assert.Equal((100L, 4L), (progress.Current, progress.CurrentArrival));
        Assert.False(progress.End(0));
        Assert.False(progress.End(0));
        Assert.True(progress.End(1));
        Assert.True(progress.AllEnded);
    }

    [Fact]
    public void Ahead_of_a_window_the_input_still_to_come_counts_on_the_critical_path()
    {
        // 500 ms to the window's close, the input takes 8% of the target's time: 40 ms of work still to come.
        long ms = TimeSpan.TicksPerMillisecond;
        long arrival = 1_000 * ms, frontier = arrival + 500 * ms, target = 50 * ms;
        Assert.Equal(40 * ms, ContextConverter.PendingWork(arrival, frontier, 0.08));

        // The message that arrived first is due 40 ms before one that arrives at the close.
        var costs = new DownstreamCosts(2, [1]);
        var first = ContextConverter.Build(0, target, arrival, frontier, costs, 1, inputLoad: 0.08);
        var last = ContextConverter.Build(0, target, frontier, frontier, costs, 1, inputLoad: 0.08);
        Assert.Equal(last.StartDeadline - 40 * ms, first.StartDeadline);

        // Nothing is pending on an immediate path, without a measured load, or when the input alone
        // saturates the target (no order meets that window).
        Assert.Equal(0, ContextConverter.PendingWork(arrival, arrival, 0.08));
        Assert.Equal(0, ContextConverter.PendingWork(arrival, frontier, 0));
        Assert.Equal(0, ContextConverter.PendingWork(arrival, frontier, 1.5));

        // Input that costs more than the whole target (250 ms of work for 50 ms) is due before the
        // window closes, yet never before the message is sent.
        Assert.Equal(250 * ms, ContextConverter.PendingWork(arrival, frontier, 0.5));
        var heavy = ContextConverter.Build(0, target, arrival, frontier, costs, 1, inputLoad: 0.5);
        Assert.True(heavy.StartDeadline < frontier);
        Assert.True(heavy.StartDeadline > arrival);
    }
    [Fact]
    public void A_backlog_whose_window_can_no_longer_fit_is_late_when_sent_and_ranked_behind_fresh_work_with_its_own_slack()
    {
        // A bulk query catching up: input that arrived 3 s ago, whose window was due to close 1 s ago,
        // is sent now. The 2 s of its window's input behind it, at 60% of the target's time, are 1.2 s
        // of work that had to fit before the same deadline (the window's close + 2 s): it is late.
        long ms = TimeSpan.TicksPerMillisecond;
        long now = 100_000 * ms, arrival = now - 3_000 * ms, frontier = now - 1_000 * ms;
        long bulkTarget = 2_000 * ms, tightTarget = 20 * ms;
        var costs = new DownstreamCosts(2, [1]);
        var backlog = ContextConverter.Build(0, bulkTarget, arrival, frontier, costs, 1, inputLoad: 0.6);
        Assert.Equal(1_200 * ms, backlog.PendingWork);
        Assert.True(backlog.StartDeadline < now);

        // The overload rule re-ranks it from now with its own slack, the pending work left out:
        // behind a tight query's message that arrives now, not ahead of it.
        var fresh = ContextConverter.Build(1, tightTarget, now, now, costs, 1);
        var cameo = SchedulingPolicies.Cameo;
        Assert.Equal(now + backlog.Slack, cameo.Rank(backlog, now));
        Assert.True(cameo.Rank(backlog, now) > cameo.Rank(fresh, now));

        // Ranked by its start deadline alone, the same backlog would go first.
        Assert.True(backlog.StartDeadline < fresh.StartDeadline);
    }
}
