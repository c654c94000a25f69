using Cameo.Dataflow;
using Cameo.Execution;
using Cameo.Progress;
using Cameo.Runtime;
using Cameo.Scheduling;
using Cameo.Tests.Support;
using Cameo.Time;
using Microsoft.Extensions.Time.Testing;

namespace Cameo.Tests.Scheduling;

/// <summary>
/// Priority contexts ahead of the new operators, seen on the messages a source sends into a query
/// deployed on a runtime that never starts (a fake clock stands still): a session window's frontier
/// is the expected arrival of the event that closes its gap, top-N and distinct compose into the
/// release path as the windows they run on, a stream–table join releases at the record's own time,
/// and a shared stream's message carries its most urgent reader's context.
/// </summary>
public class NewOperatorContextTests
{
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private const long Delay = 200;

    [Fact]
    public void Session_top_n_distinct_and_table_joins_compose_into_the_release_paths()
    {
        var session = WindowSpec.Session(TimeSpan.FromMilliseconds(300));
        var tumbling = WindowSpec.Tumbling(TimeSpan.FromSeconds(1));
        Assert.Equal(10_300, new ReleasePath([session]).Release(10_000));
        Assert.Equal(tumbling.FirstEnd(10_299), new ReleasePath([session, tumbling]).Release(10_000)); // the session's result is stamped end - 1

        var query = new QueryBuilder("paths");
        var s = query.From(Source.From(Array.Empty<Ev>())).WithEventTime(e => e.Time, TimeSpan.Zero);
        s.KeyBy(e => e.Key).SessionWindow(TimeSpan.FromMilliseconds(300)).Count()
            .KeyBy(r => r.Key).Window(TimeSpan.FromSeconds(1)).TopN(2, r => r.Value).To(_ => { });
        s.WindowAll(TimeSpan.FromSeconds(10)).Distinct(e => e.Key).To(_ => { });
        s.JoinTable(s, e => e.Key, e => e.Key, (e, r) => e.Id).To(_ => { });
        query.Graph.Validate();
        string Describe(LogicalNode n) => string.Join(" | ", n.ReleasePaths.Select(p => string.Join(">", p.Windows.Select(w => w.IsSession ? $"session {w.Size}" : $"{w.Size}/{w.Slide}"))).Order());
        Assert.Equal("1/1 | 10000/10000 | session 300>1000/1000", Describe(query.Graph.Nodes[0]));
    }

    private static (QueryRun Run, SourceHost<long> Source) Deploy(Action<Stream<long>> define, TimeSpan target)
    {
        var clock = new FakeTimeProvider(Start);
        var runtime = new EmbeddedRuntime(SchedulingPolicies.Cameo, 1, TimeSpan.FromHours(1));
        var run = Deployment.Deploy(runtime, 0, "q", target, clock, b => define(b.From(Source.From(Array.Empty<long>())).WithEventTime(t => t, TimeSpan.FromMilliseconds(Delay))));
        return (run, Deployment.SourceOf<long>(run));
    }

    /// <summary>The context of the first message waiting at the instance of the node called <paramref name="prefix"/>.</summary>
    private static PriorityContext ContextAt(QueryRun run, string prefix)
    {
        var actor = run.Actors[Deployment.InstanceOf(run, prefix)]!;
        lock (actor.Lock) return actor.Mailbox.Dequeue().Context;
    }

    [Theory]
    [InlineData("SessionCount")]
    [InlineData("TopN")]
    [InlineData("Distinct")]
    [InlineData("JoinTable")]
    public void Ahead_of_each_operator_the_frontier_is_the_expected_arrival_of_the_event_that_releases_it(string op)
    {
        var gap = TimeSpan.FromSeconds(5);
        var window = WindowSpec.Tumbling(TimeSpan.FromSeconds(10));
        var (run, source) = Deploy(s =>
        {
            switch (op)
            {
                case "SessionCount": s.KeyBy(t => 0).SessionWindow(gap).Count().To(_ => { }); break;
                case "TopN": s.KeyBy(t => 0).Window(window).TopN(3, t => t).To(_ => { }); break;
                case "Distinct": s.WindowAll(window).Distinct(t => t % 7).To(_ => { }); break;
                default: s.JoinTable(s.Where(t => t % 2 == 0), t => 0, t => 0, (a, b) => a + b).To(_ => { }); break;
            }
        }, TimeSpan.FromMilliseconds(100));
        long now = PhysicalTime.Now(run.Context.Clock);
        long t = PhysicalTime.ToEventTime(now) - 50; // arrived 50 ms after it happened
        source.Ingest([t], null, 1, now); // carries the first watermark too, due when what it may close is
        source.Ingest([t], null, 1, now); // the record alone: the watermark has not moved

        long release = op switch
        {
            "SessionCount" => t + (long)gap.TotalMilliseconds,
            "JoinTable" => t + 1,
            _ => window.FirstEnd(t),
        };
        ContextAt(run, op);
        var context = ContextAt(run, op);
        Assert.Equal(source.SourceProgress.Estimator.ExpectedArrival(release + Delay), context.FrontierTime);
        Assert.Equal(source.SourceProgress.Estimator.ExpectedArrival(release + Delay) + TimeSpan.FromMilliseconds(100).Ticks, context.StartDeadline); // costs not profiled yet
    }

    [Fact]
    public void Before_an_event_time_assigner_records_are_as_urgent_as_their_arrival()
    {
        var clock = new FakeTimeProvider(Start);
        var runtime = new EmbeddedRuntime(SchedulingPolicies.Cameo, 1, TimeSpan.FromHours(1));
        var run = Deployment.Deploy(runtime, 0, "parse", TimeSpan.FromMilliseconds(100), clock, b => b
            .From(Source.From(Array.Empty<string>())).Select(long.Parse).WithEventTime(t => t, TimeSpan.Zero)
            .KeyBy(t => 0).Window(TimeSpan.FromSeconds(10)).Count().To(_ => { }));
        long now = PhysicalTime.Now(clock);
        Deployment.SourceOf<string>(run).Ingest(["12345"], null, 1, now);
        Assert.Equal(now, ContextAt(run, "Select").FrontierTime);
    }

    [Fact]
    public async Task A_shared_streams_message_carries_its_most_urgent_readers_context()
    {
        var clock = new FakeTimeProvider(Start);
        EmbeddedRuntime? runtime = null;
        await using var engine = new CameoEngine(new EngineOptions { Clock = clock, Runtime = _ => runtime = new EmbeddedRuntime(SchedulingPolicies.Cameo, 1, TimeSpan.FromHours(1)) });
        var shared = engine.Stream("events", s => s.From(Source.From(Array.Empty<string>())).Select(long.Parse));
        var window = WindowSpec.Tumbling(TimeSpan.FromSeconds(10));
        engine.AddQuery("relaxed", TimeSpan.FromSeconds(1), b => b.From(shared).KeyBy(t => 0).Window(window).Count().To(_ => { }));
        var run = (QueryRun)shared.Run;
        long now = PhysicalTime.Now(clock);
        var source = Deployment.SourceOf<string>(run);

        // One reader, 1 s behind a 10 s window: the parse is due when that window's closing event is.
        source.Ingest(["1"], null, 1, now);
        var relaxed = ContextAt(run, "Select");
        Assert.Equal(TimeSpan.FromSeconds(1).Ticks, relaxed.LatencyTarget);
        Assert.True(relaxed.FrontierTime > now);

        // A second reader with a tight target and no window: the parse becomes as urgent as it is.
        engine.AddQuery("tight", TimeSpan.FromMilliseconds(20), b => b.From(shared).Where(t => t > 0).To(_ => { }));
        source.Ingest(["2"], null, 1, now);
        var tight = ContextAt(run, "Select");
        Assert.Equal(now + TimeSpan.FromMilliseconds(20).Ticks, tight.StartDeadline);
        Assert.Equal(TimeSpan.FromMilliseconds(20).Ticks, tight.LatencyTarget);
        Assert.Equal(run.Context.Id, tight.QueryId);
    }
}
