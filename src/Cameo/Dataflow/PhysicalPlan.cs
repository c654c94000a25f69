namespace Cameo.Dataflow;

/// <summary>
/// A query's physical expansion: its operators grouped into chains, and every chain's parallel
/// instances, numbered 0..N-1 within the query in topological order (sources first), which is how
/// instances address each other.
/// </summary>
/// <remarks>
/// With chaining on, consecutive stateless operators (<see cref="LogicalNode.IsStateless"/>: Where,
/// Select, SelectMany) run as one instance, as Flink chains them: records pass from one to the next
/// by a call, not a message. A scheduling boundary (a new chain) is kept wherever one is needed: at
/// an operator that is not stateless (sources, windows, joins, custom operators and sinks are
/// scheduled on their own), at a keyed exchange (a partitioned edge), at a change of parallelism
/// (records are spread round-robin), at fan-out (an operator with several outputs) and at fan-in
/// (an operator with several inputs).
/// </remarks>
public sealed class PhysicalPlan
{
    private readonly int[][] _instancesByNode;
    private readonly LogicalNode[] _headOf;             // by node id: the first operator of its chain
    private readonly List<LogicalNode>?[] _chainByHead; // by the head's node id

    /// <param name="graph">The query's dataflow.</param>
    /// <param name="chaining">Whether consecutive stateless operators run as one instance.</param>
    public PhysicalPlan(LogicalGraph graph, bool chaining = true)
    {
        Order = graph.Validate();
        _instancesByNode = new int[graph.Nodes.Count][];
        _headOf = new LogicalNode[graph.Nodes.Count];
        _chainByHead = new List<LogicalNode>?[graph.Nodes.Count];
        var nodes = new List<(LogicalNode Node, int Partition)>();
        foreach (var node in Order)
        {
            if (chaining && Chains(node) is { } upstream)
            {
                var head = _headOf[upstream.Id];
                _chainByHead[head.Id]!.Add(node);
                _headOf[node.Id] = head;
                _instancesByNode[node.Id] = _instancesByNode[head.Id];
                continue;
            }
            _headOf[node.Id] = node;
            _chainByHead[node.Id] = [node];
            _instancesByNode[node.Id] = [.. Enumerable.Range(nodes.Count, node.Parallelism)];
            for (int p = 0; p < node.Parallelism; p++) nodes.Add((node, p));
        }
        Instances = nodes;
        Graph = graph;
    }

    public LogicalGraph Graph { get; }

    /// <summary>Nodes in topological order.</summary>
    public IReadOnlyList<LogicalNode> Order { get; }

    /// <summary>Every instance: which node it runs (the first of its chain) and which partition of it.</summary>
    public IReadOnlyList<(LogicalNode Node, int Partition)> Instances { get; }

    /// <summary>Query-local indices of the instances that run <paramref name="node"/> (its chain's instances).</summary>
    public int[] InstancesOf(LogicalNode node) => _instancesByNode[node.Id];

    /// <summary>The operators an instance of <paramref name="head"/> runs, in order: the chain it starts.</summary>
    public IReadOnlyList<LogicalNode> ChainOf(LogicalNode head) =>
        _chainByHead[head.Id] ?? throw new ArgumentException($"{head.Name} runs inside the chain of another operator.", nameof(head));

    /// <summary>How many sink instances must end before the query has ended.</summary>
    public int SinkInstances => Order.Where(n => n.Kind == NodeKind.Sink).Sum(n => n.Parallelism);

    /// <summary>The operator <paramref name="node"/> can run behind in one instance, or null if a scheduling boundary is needed.</summary>
    private static LogicalNode? Chains(LogicalNode node)
    {
        if (!node.IsStateless || node.Inputs.Count != 1) return null;
        var edge = node.Inputs[0];
        var upstream = edge.From;
        bool chains = upstream.IsStateless && upstream.Outputs.Count == 1 && edge.Partitioner is null && upstream.Parallelism == node.Parallelism;
        return chains ? upstream : null;
    }
}
