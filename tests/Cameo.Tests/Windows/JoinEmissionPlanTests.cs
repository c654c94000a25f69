using Cameo.Dataflow;
using Cameo.Operators;
using Cameo.Time;

namespace Cameo.Tests.Windows;

/// <summary>
/// When the query builder lets a window join emit its pairs as they form: only when every path from
/// the join to a sink passes another window, where a pair stamped with the join window's last
/// millisecond is released no earlier than the join's own firing would have released it.
/// </summary>
public class JoinEmissionPlanTests
{
    private sealed record L(int Key);
    private sealed record R(int Key);

    private static WindowJoinOperator<L, R, int, int> BuiltJoin(Action<Stream<int>> below)
    {
        var q = new QueryBuilder("q");
        var left = q.From(Source.From(Array.Empty<L>()));
        var right = q.From(Source.From(Array.Empty<R>()));
        below(left.Join(right, l => l.Key, r => r.Key, WindowSpec.Tumbling(TimeSpan.FromSeconds(1)), (l, r) => l.Key));
        _ = new PhysicalPlan(q.Graph, chaining: false); // validates the graph: the paths below each node are known
        var node = q.Graph.Nodes.OfType<BinaryNode<L, R, int>>().Single();
        return Assert.IsType<WindowJoinOperator<L, R, int, int>>(node.Factory());
    }

    [Fact]
    public void A_join_into_a_sink_emits_when_its_window_closes() =>
        Assert.False(BuiltJoin(pairs => pairs.Select(x => x + 1).To(_ => { })).EmitsPairsEarly);

    [Fact]
    public void A_join_whose_pairs_are_counted_per_window_emits_them_as_they_form() =>
        Assert.True(BuiltJoin(pairs => pairs.KeyBy(x => x).Window(TimeSpan.FromSeconds(1)).Count().To(_ => { })).EmitsPairsEarly);

    [Fact]
    public void A_join_feeding_a_window_and_a_sink_emits_when_its_window_closes() =>
        Assert.False(BuiltJoin(pairs =>
        {
            pairs.KeyBy(x => x).Window(TimeSpan.FromSeconds(1)).Count().To(_ => { });
            pairs.To(_ => { });
        }).EmitsPairsEarly);
}
