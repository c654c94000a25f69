using Cameo.Dataflow;
using Cameo.Operators;
using Cameo.Tests.Support;
using Cameo.Time;

namespace Cameo.Tests.Api;

/// <summary>A definition that cannot run is refused at <see cref="CameoEngine.AddQuery"/>, naming the query and the problem.</summary>
public class DefinitionTests
{
    private static Source<int> Numbers => Source.From(Enumerable.Range(0, 10));

    public static TheoryData<string, Action<QueryBuilder>, string> BadDefinitions => new()
    {
        { "zero-size", b => b.From(Numbers).KeyBy(x => x).Window(TimeSpan.Zero).Count().To(_ => { }), "window size must be positive (was 0 ms)" },
        { "negative-size", b => b.From(Numbers).KeyBy(x => x).Window(TimeSpan.FromMilliseconds(-5)).Count().To(_ => { }), "window size must be positive (was -5 ms)" },
        { "wide-slide", b => b.From(Numbers).KeyBy(x => x).Window(TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(200)).Count().To(_ => { }),
            "window slide (200 ms) must not exceed its size (100 ms)" },
        { "zero-slide", b => b.From(Numbers).KeyBy(x => x).Window(TimeSpan.FromMilliseconds(100), TimeSpan.Zero).Count().To(_ => { }), "window slide must be positive" },
        { "bad-join-window", b => b.From(Numbers).Join(b.From(Numbers), x => x, x => x, new WindowSpec(0, 0), (x, y) => x).To(_ => { }), "window size must be positive" },
        { "no-sink", b => b.From(Numbers).Where(x => x > 1), "it has no sink" },
        { "dangling", b => { var s = b.From(Numbers); s.To(_ => { }); s.Where(x => x > 1); }, "the output of Where#2 goes nowhere" },
        { "null-source", b => b.From((Source<int>)null!), "From(...) was given no source (null)" },
        { "null-sink", b => b.From(Numbers).To((Sink<int>)null!), "was given no sink (null)" },
        { "late-event-time", b => b.From(Numbers).KeyBy(x => x).Window(TimeSpan.FromSeconds(1)).Count().WithEventTime(r => r.Start, TimeSpan.Zero).To(_ => { }), "WithEventTime must follow From(...) or stateless operators only" },
        { "negative-bound", b => b.From(Numbers).WithEventTime(x => x, TimeSpan.FromMilliseconds(-1)), "out-of-orderness bound must not be negative" },
        { "no-parallelism", b => b.From(Numbers).Where(x => x > 0).WithParallelism(0).To(_ => { }), "parallelism of Where#1 must be at least 1" },
        { "parallel-sequence", b => b.From(Numbers).WithParallelism(2).To(_ => { }), "can be read by at most 1 instance" },
        { "window-expiry", b => b.From(Numbers).KeyBy(x => x).Window(TimeSpan.FromSeconds(1)).Count().WithStateExpiry(TimeSpan.FromMinutes(1)).To(_ => { }), "WithStateExpiry applies to JoinTable(...)" },
        { "zero-expiry", b => b.From(Numbers).JoinTable(b.From(Numbers), x => x, x => x, (x, y) => x).WithStateExpiry(TimeSpan.Zero).To(_ => { }), "must be at least 1 ms" },
    };

    [Theory]
    [MemberData(nameof(BadDefinitions))]
    public async Task A_bad_definition_is_refused_with_its_query_and_problem_named_and_the_name_stays_free(string name, Action<QueryBuilder> define, string problem)
    {
        await using var engine = new CameoEngine();
        var error = Assert.Throws<QueryDefinitionException>(() => engine.AddQuery(name, TimeSpan.FromMilliseconds(100), define));
        Assert.Equal(name, error.QueryName);
        Assert.Contains($"Query '{name}' is invalid", error.Message);
        Assert.Contains(problem, error.Message);
        Assert.Empty(engine.Queries);

        // Nothing was deployed: the same name can be used by a good definition, which runs.
        int seen = 0;
        var q = engine.AddQuery(name, TimeSpan.FromMilliseconds(100), b => b.From(Numbers).To(_ => Interlocked.Increment(ref seen)));
        await engine.RunAsync().WaitAsync(Within.Run);
        await q.Completion;
        Assert.Equal(10, seen);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-10)]
    public async Task A_latency_target_must_be_positive(int targetMs)
    {
        await using var engine = new CameoEngine();
        var error = Assert.Throws<QueryDefinitionException>(() => engine.AddQuery("tight", TimeSpan.FromMilliseconds(targetMs), b => b.From(Numbers).To(_ => { })));
        Assert.Equal("tight", error.QueryName);
        Assert.Contains($"latency target must be positive (was {targetMs} ms)", error.Message);
    }

    [Fact]
    public async Task Two_queries_cannot_share_a_name()
    {
        await using var engine = new CameoEngine();
        engine.AddQuery("twice", TimeSpan.FromMilliseconds(100), b => b.From(Numbers).To(_ => { }));
        var error = Assert.Throws<QueryDefinitionException>(() => engine.AddQuery("twice", TimeSpan.FromMilliseconds(100), b => b.From(Numbers).To(_ => { })));
        Assert.Contains("another query already has this name", error.Message);
        await engine.RunAsync().WaitAsync(Within.Run); // (an engine never started waits out its drain time when disposed)
    }

    [Fact]
    public async Task A_stream_of_another_query_is_an_unknown_source()
    {
        await using var engine = new CameoEngine();
        Stream<int>? foreign = null;
        engine.AddQuery("first", TimeSpan.FromMilliseconds(100), b =>
        {
            foreign = b.From(Numbers);
            foreign.To(_ => { });
        });
        var error = Assert.Throws<QueryDefinitionException>(() => engine.AddQuery("second", TimeSpan.FromMilliseconds(100), b => b
            .From(Numbers).Join(foreign!, x => x, x => x, new WindowSpec(10, 10), (x, y) => x).To(_ => { })));
        Assert.Equal("second", error.QueryName);
        Assert.Contains("unknown source", error.Message);
        await engine.RunAsync().WaitAsync(Within.Run);
    }

    [Fact]
    public void A_cycle_is_refused_naming_the_operators_on_it()
    {
        var graph = new LogicalGraph("loop");
        var source = graph.Add(new SourceNode<int>("Source", Numbers));
        var a = graph.Add(new UnaryNode<int, int>("A", () => new SelectOperator<int, int>(x => x)));
        var b = graph.Add(new UnaryNode<int, int>("B", () => new SelectOperator<int, int>(x => x)));
        var sink = graph.Add(new SinkNode<int>("Sink", Sink.Call<int>(_ => { })));
        graph.Connect(source, a);
        graph.Connect(a, b);
        graph.Connect(b, a);
        graph.Connect(b, sink);

        var error = Assert.Throws<QueryDefinitionException>(() => graph.Validate());
        Assert.Equal("loop", error.QueryName);
        Assert.Contains("cycle through A#1, B#2", error.Message);
    }

    [Fact]
    public void Connecting_a_node_of_another_graph_is_refused()
    {
        var graph = new LogicalGraph("mine");
        var other = new LogicalGraph("theirs");
        var foreign = other.Add(new SourceNode<int>("Source", Numbers));
        var sink = graph.Add(new SinkNode<int>("Sink", Sink.Call<int>(_ => { })));
        var error = Assert.Throws<QueryDefinitionException>(() => graph.Connect(foreign, sink));
        Assert.Contains("unknown source", error.Message);
    }
}
