using Cameo.Messages;
using Cameo.Operators;
using Cameo.Runtime;
using Cameo.Scheduling;
using Cameo.Tests.Support;
using Cameo.Time;
using Microsoft.Extensions.Time.Testing;

namespace Cameo.Tests.Scheduling;

/// <summary>
/// Each policy's order, observed through the real two-level scheduler: queries are deployed on an
/// <see cref="EmbeddedRuntime"/> that is never started, messages are put in their mailboxes, and
/// <see cref="EmbeddedRuntime.RunUntilIdle"/> runs them on the test thread while a fake clock stands still.
/// </summary>
public class PolicyOrderTests
{
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, 100, TimeSpan.Zero);
    private static long Ms(double ms) => TimeSpan.FromMilliseconds(ms).Ticks;

    /// <summary>One query's message: when it was sent (order), its event's arrival, its frontier, the query's target and the profiled costs (ms).</summary>
    private sealed record Spec(string Name, double Arrival, double Frontier, double Target, double OperatorCost, double PathCost);

    // Sent in this order, one millisecond apart. B and E feed windows (frontier far ahead of arrival);
    // costs differ so that every policy gives a different order.
    private static readonly Spec[] Scenario =
    [
        new("A", Arrival: 0, Frontier: 0, Target: 100, OperatorCost: 10, PathCost: 50),
        new("B", Arrival: 5, Frontier: 500, Target: 20, OperatorCost: 1, PathCost: 1),
        new("C", Arrival: 2, Frontier: 2, Target: 200, OperatorCost: 30, PathCost: 0),
        new("D", Arrival: 8, Frontier: 8, Target: 60, OperatorCost: 5, PathCost: 5),
        new("E", Arrival: 1, Frontier: 300, Target: 50, OperatorCost: 20, PathCost: 100),
    ];

    /// <summary>Each policy's definition, written out independently of the policy classes.</summary>
    private static double ExpectedRank(string policy, Spec s, int sent) => policy switch
    {
        "fifo" => sent,
        "edf" => s.Frontier + s.Target,
        "llf" => s.Arrival + s.Target - s.OperatorCost - s.PathCost,
        "sjf" => s.OperatorCost,
        "cameo" => s.Frontier + s.Target - s.OperatorCost - s.PathCost, // (every deadline here is still ahead when sent)
        _ => throw new ArgumentOutOfRangeException(nameof(policy)),
    };

    private static List<string> RunScenario(string policy)
    {
        var clock = new FakeTimeProvider(Start);
        var runtime = new EmbeddedRuntime(SchedulingPolicies.Parse(policy), 1, TimeSpan.FromHours(1));
        var log = new List<string>();
        var runs = Scenario.Select((s, i) => Deployment.Deploy(runtime, i, s.Name, TimeSpan.FromMilliseconds(s.Target), clock, b => b
            .From(Source.From(Array.Empty<string>())).To(log.Add))).ToList();
        long t0 = PhysicalTime.Now(clock);
        for (int i = 0; i < Scenario.Length; i++)
        {
            var s = Scenario[i];
            clock.Advance(TimeSpan.FromMilliseconds(1));
            runs[i].Send(Deployment.InstanceOf(runs[i], "Sink"), new Message<string>([s.Name], [0], 1)
            {
                Kind = MessageKind.Data,
                Context = new PriorityContext(i, t0 + Ms(s.Arrival), t0 + Ms(s.Frontier), Ms(s.Target), Ms(s.OperatorCost), Ms(s.PathCost)),
            });
        }
        runtime.RunUntilIdle();
        return log;
    }

    [Theory]
    [InlineData("fifo", "ABCDE")]
    [InlineData("edf", "DACEB")]
    [InlineData("llf", "EBADC")]
    [InlineData("sjf", "BDAEC")]
    [InlineData("cameo", "ADCEB")]
    public void Each_policy_runs_the_queries_messages_in_its_own_order(string policy, string expected)
    {
        var byDefinition = Scenario.Select((s, i) => (s.Name, Rank: ExpectedRank(policy, s, i))).OrderBy(x => x.Rank).Select(x => x.Name);
        Assert.Equal(expected, string.Concat(byDefinition)); // the scenario is what the comment says it is
        Assert.Equal(expected, string.Concat(RunScenario(policy)));
    }

    /// <summary>Sends one message per (name, target, start deadline relative to now) to its own query's sink, in order, and runs them.</summary>
    private static string RunMissed(string policy, params (string Name, double TargetMs, double DeadlineMs)[] messages)
    {
        var clock = new FakeTimeProvider(Start);
        var runtime = new EmbeddedRuntime(SchedulingPolicies.Parse(policy), 1, TimeSpan.FromHours(1));
        var log = new List<string>();
        long t0 = PhysicalTime.Now(clock);
        for (int i = 0; i < messages.Length; i++)
        {
            var (name, target, deadline) = messages[i];
            var run = Deployment.Deploy(runtime, i, name, TimeSpan.FromMilliseconds(target), clock, b => b.From(Source.From(Array.Empty<string>())).To(log.Add));
            run.Send(Deployment.InstanceOf(run, "Sink"), new Message<string>([name], [0], 1)
            {
                Kind = MessageKind.Data,
                Context = new PriorityContext(i, t0, t0 + Ms(deadline - target), Ms(target), 0, 0), // no costs: start deadline = frontier + target
            });
        }
        runtime.RunUntilIdle();
        return string.Concat(log);
    }

    [Theory]
    [InlineData("cameo", "TLB")] // B, 5 s late, is re-deadlined to now + 1 s: behind the tight T and the looser L
    [InlineData("edf", "BTL")]   // pure deadline order lets the lost cause go first and drags the others late
    public void Under_cameo_a_bulk_backlog_past_its_deadlines_does_not_outrank_fresh_work(string policy, string expected)
    {
        Assert.Equal(expected, RunMissed(policy, ("B", 1000, -5000), ("T", 10, 10), ("L", 500, 400)));
    }

    [Theory]
    [InlineData("cameo", "AB")] // A is 30 ms late, B 5 s late: re-deadlined, A (now + 10 ms) goes before B (now + 1 s)
    [InlineData("edf", "BA")]   // deadline order serves the bulk backlog's older deadline first
    public void Among_missed_messages_the_tighter_query_recovers_first(string policy, string expected)
    {
        Assert.Equal(expected, RunMissed(policy, ("A", 10, -30), ("B", 1000, -5000)));
    }

    [Theory]
    [InlineData("cameo", "XF")]
    [InlineData("edf", "XF")]
    public void A_tight_query_that_slipped_by_a_millisecond_keeps_its_urgency_over_feasible_bulk_work(string policy, string expected)
    {
        // X: 20 ms target, start deadline 1 ms ago. F: bulk, 2 s target, start deadline 1.5 s ahead. Had
        // missed messages gone after every feasible one, X would wait behind the whole bulk backlog.
        Assert.Equal(expected, RunMissed(policy, ("F", 2000, 1500), ("X", 20, -1)));
    }

    [Fact]
    public void The_scenario_tells_every_policy_apart()
    {
        var orders = SchedulingPolicies.ForLatency.Select(p => string.Concat(RunScenario(p.Name))).ToList();
        Assert.Equal(orders.Count, orders.Distinct().Count());
    }

    /// <summary>Logs every batch and every watermark it sees.</summary>
    private sealed class Recorder(List<string> log) : Operator<int, int>
    {
        public override void OnRecords(ReadOnlySpan<int> items, ReadOnlySpan<long> timestamps, IOutput<int> output)
        {
            foreach (int x in items) log.Add($"d{x}");
        }

        public override void OnWatermark(long watermark, IOutput<int> output) => log.Add($"wm{watermark}");
    }

    [Fact]
    public void A_watermark_never_overtakes_the_records_before_it_but_lends_them_its_urgency()
    {
        var clock = new FakeTimeProvider(Start);
        var runtime = new EmbeddedRuntime(SchedulingPolicies.Edf, 1, TimeSpan.FromHours(1));
        var log = new List<string>();
        // Two Select instances feed the recorder, so it has two input channels.
        var run = Deployment.Deploy(runtime, 0, "channels", TimeSpan.FromMilliseconds(10), clock, b => b
            .From(Source.From(Array.Empty<int>())).Select(x => x).WithParallelism(2)
            .Apply("Recorder", () => new Recorder(log)).To(_ => { }));
        int recorder = Deployment.InstanceOf(run, "Recorder");
        long t0 = PhysicalTime.Now(clock);
        PriorityContext Due(double frontierMs) => new(0, t0, t0 + Ms(frontierMs), Ms(10), 0, 0);

        // Channel 1 is already ahead, so a watermark on channel 0 will move the recorder's event time.
        run.Send(recorder, new Message { Kind = MessageKind.Watermark, Channel = 1, Watermark = 10_000, Context = Due(0) });
        runtime.RunUntilIdle();
        Assert.Empty(log);

        run.Send(recorder, new Message<int>([0], [1], 1) { Kind = MessageKind.Data, Channel = 0, Context = Due(500) });
        run.Send(recorder, new Message { Kind = MessageKind.Watermark, Channel = 0, Watermark = 5_000, Context = Due(0) });
        run.Send(recorder, new Message<int>([1], [1], 1) { Kind = MessageKind.Data, Channel = 1, Context = Due(100) });
        runtime.RunUntilIdle();

        // Alone, d0 (due at 500) would run after d1 (due at 100); the urgent watermark behind it pulls it ahead.
        Assert.Equal(["d0", "wm5000", "d1"], log);
    }

    /// <summary>
    /// Through the real router: a message heading into a 1 s window has a frontier near the window's
    /// end, so Cameo and EDF let a stateless query with a looser target go first, while LLF (each
    /// event's own arrival) and FIFO run the windowed query's message first.
    /// </summary>
    [Theory]
    [InlineData("cameo", "flat")]
    [InlineData("edf", "flat")]
    [InlineData("llf", "win")]
    [InlineData("fifo", "win")]
    public void Messages_ahead_of_a_window_are_due_when_the_window_closes(string policy, string first)
    {
        var clock = new FakeTimeProvider(Start); // 100 ms into a second: the 1 s window closes 900 ms later
        var runtime = new EmbeddedRuntime(SchedulingPolicies.Parse(policy), 1, TimeSpan.FromHours(1));
        var log = new List<string>();
        var win = Deployment.Deploy(runtime, 0, "win", TimeSpan.FromMilliseconds(50), clock, b => b
            .From(Source.From(Array.Empty<long>())).WithEventTime(t => t, TimeSpan.Zero)
            .KeyBy(_ => 0).Window(TimeSpan.FromSeconds(1))
            .Aggregate(() => 0, (acc, _) => { log.Add("win"); return acc; }, acc => acc)
            .To(_ => { }));
        var flat = Deployment.Deploy(runtime, 1, "flat", TimeSpan.FromMilliseconds(500), clock, b => b
            .From(Source.From(Array.Empty<long>())).WithEventTime(t => t, TimeSpan.Zero)
            .Where(_ => { log.Add("flat"); return true; })
            .To(_ => { }));

        void Ingest(QueryRun run)
        {
            clock.Advance(TimeSpan.FromMilliseconds(1));
            long now = PhysicalTime.Now(clock);
            Deployment.SourceOf<long>(run).Ingest([PhysicalTime.ToEventTime(now)], null, 1, now);
        }

        // A first batch sets up event time; its watermark (from none at all) is urgent whatever it closes.
        Ingest(win);
        Ingest(flat);
        runtime.RunUntilIdle();
        log.Clear();

        Ingest(win);
        Ingest(flat);
        runtime.RunUntilIdle();

        Assert.Equal(first, log[0]);
        Assert.Equal(2, log.Count);
    }
}
