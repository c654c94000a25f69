using System.Collections.Concurrent;
using Cameo.Dataflow;
using Cameo.Operators;
using Cameo.Runtime;
using Cameo.Tests.Support;

namespace Cameo.Tests.Engine;

/// <summary>Operator chaining: consecutive stateless operators run as one instance unless a scheduling boundary is needed.</summary>
public class ChainingTests
{
    /// <summary>
    /// source → Where → Select → SelectMany ⇉ (fan-out) Where → Select(p2) → sink, and → KeyBy/Count → Select → Where → sink.
    /// Chains: [Where, Select, SelectMany]; [Where]; [Select(p2)] (parallelism changes); [Count]; [Select, Where].
    /// </summary>
    private static void Define(QueryBuilder b, IEnumerable<Ev> events, ConcurrentBag<string> output)
    {
        var s = b.From(Source.From(events)).WithEventTime(e => e.Time, TimeSpan.FromMilliseconds(50))
            .Where(e => e.Value != 0)
            .Select(e => e with { Value = e.Value * 3 })
            .SelectMany(e => e.Value > 0 ? [e, e with { Id = -e.Id }] : new[] { e });
        s.Where(e => e.Key != 2).Select(e => $"f {e.Id} {e.Value}").WithParallelism(2).To(output.Add);
        s.KeyBy(e => e.Key).Window(TimeSpan.FromMilliseconds(100)).Count()
            .Select(r => (r.Key, r.Start, r.Value))
            .Where(r => r.Value > 1)
            .To(r => output.Add($"w {r.Key} {r.Start} {r.Value}"));
    }

    [Fact]
    public void Stateless_neighbours_share_a_chain_and_every_boundary_is_kept()
    {
        var b = new QueryBuilder("plan");
        Define(b, [], []);
        var chained = new PhysicalPlan(b.Graph, chaining: true);
        var apart = new PhysicalPlan(b.Graph, chaining: false);
        string Chains(PhysicalPlan plan) => string.Join(" | ", plan.Instances.Select(i => i.Node).Distinct()
            .Select(n => string.Join(">", plan.ChainOf(n).Select(c => c.Name.Split('#')[0]))));

        Assert.Equal("Source | Where>Select>SelectMany | Where | Count | Select | Select>Where | Sink | Sink", Chains(chained));
        Assert.Equal(12, apart.Instances.Count);  // one per node and partition (the parallel Select has two)
        Assert.Equal(9, chained.Instances.Count);
        // Every node of a chain is run by the chain's instances.
        var select = b.Graph.Nodes.First(n => n.Name.StartsWith("Select#", StringComparison.Ordinal));
        var head = b.Graph.Nodes.First(n => n.Name.StartsWith("Where#", StringComparison.Ordinal));
        Assert.Equal(chained.InstancesOf(head), chained.InstancesOf(select));
        Assert.Throws<ArgumentException>(() => chained.ChainOf(select));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Chained_and_unchained_queries_produce_the_same_results(bool slots)
    {
        var rnd = new Random(7);
        var events = EventGen.BoundedDisorder(rnd, 3_000, keys: 4, bound: 50, step: 3);
        for (int i = 0; i < events.Length; i += 5) events[i] = events[i] with { Value = 0 };
        var results = new List<string>[2];
        for (int run = 0; run < 2; run++)
        {
            var output = new ConcurrentBag<string>();
            bool chaining = run == 1;
            await using var engine = CameoEngine.Create(o => { o.Workers = 2; o.BatchSize = 64; o.OperatorChaining = chaining; if (slots) o.UseSlots(); });
            var q = engine.AddQuery("same", TimeSpan.FromSeconds(1), b => Define(b, events, output));
            await engine.RunAsync().WaitAsync(Within.Run);
            await q.Completion;
            results[run] = [.. output.Order(StringComparer.Ordinal)];
        }
        Assert.True(results[0].Count > events.Length / 2, "both the filter branch and the window branch produced output");
        Assert.Contains(results[0], r => r.StartsWith("w ", StringComparison.Ordinal));
        Assert.Equal(results[0], results[1]);
    }

    [Theory]
    [InlineData(1, "Select#1")] // the chain's first operator
    [InlineData(2, "Where#2")]
    [InlineData(3, "Select#3")] // the chain's last
    public async Task A_failure_inside_a_chain_names_the_operator_that_threw(int thrower, string expected)
    {
        int Check(int stage, int x) => stage == thrower && x == 300 ? throw new InvalidOperationException($"stage {stage} cannot handle {x}") : x;
        await using var engine = CameoEngine.Create(o => o.Workers = 2);
        var q = engine.AddQuery("chain", TimeSpan.FromSeconds(1), b => b
            .From(Source.From(Enumerable.Range(0, 1_000)))
            .Select(x => Check(1, x))
            .Where(x => Check(2, x) >= 0)
            .Select(x => Check(3, x))
            .To(_ => { }));
        await Assert.ThrowsAsync<AggregateException>(() => engine.RunAsync().WaitAsync(Within.Run));

        var error = await Assert.ThrowsAsync<QueryFailedException>(() => q.Completion);
        Assert.Equal(expected, error.Operator);
        Assert.Contains($"stage {thrower} cannot handle 300", error.Message);
    }

    [Fact]
    public void A_chained_operator_passes_each_record_on_and_counts_no_late_records()
    {
        var op = new ChainedOperator<int, int, string>(new WhereOperator<int>(x => x % 2 == 0), new SelectOperator<int, string>(x => $"<{x}>"), "Select#2");
        var output = new Collect<string>();
        op.OnRecords([1, 2, 3, 4], [10, 20, 30, 40], output);
        op.OnWatermark(100, output);
        Assert.Equal([("<2>", 20L), ("<4>", 40L)], output.Items.Select(i => (i.Item, i.Time)));
        Assert.Equal(0, op.LateRecords);
    }
}
