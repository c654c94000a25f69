namespace Cameo.Dataflow;

/// <summary>
/// A query's physical expansion: every node's parallel instances, numbered 0..N-1 within the query
/// in topological order (sources first), which is how instances address each other.
/// </summary>
public sealed class PhysicalPlan
{
    private readonly int[][] _instancesByNode;

    public PhysicalPlan(LogicalGraph graph)
    {
        Order = graph.Validate();
        _instancesByNode = new int[graph.Nodes.Count][];
        var nodes = new List<(LogicalNode Node, int Partition)>();
        foreach (var node in Order)
        {
            _instancesByNode[node.Id] = [.. Enumerable.Range(nodes.Count, node.Parallelism)];
            for (int p = 0; p < node.Parallelism; p++) nodes.Add((node, p));
        }
        Instances = nodes;
        Graph = graph;
    }

    public LogicalGraph Graph { get; }

    /// <summary>Nodes in topological order.</summary>
    public IReadOnlyList<LogicalNode> Order { get; }

    /// <summary>Every instance: which node it runs and which partition of it.</summary>
    public IReadOnlyList<(LogicalNode Node, int Partition)> Instances { get; }

    /// <summary>Query-local indices of <paramref name="node"/>'s instances.</summary>
    public int[] InstancesOf(LogicalNode node) => _instancesByNode[node.Id];

    /// <summary>How many sink instances must end before the query has ended.</summary>
    public int SinkInstances => Order.Where(n => n.Kind == NodeKind.Sink).Sum(n => n.Parallelism);
}
