using Cameo.Progress;

namespace Cameo.Dataflow;

/// <summary>
/// A query's logical dataflow: its nodes and edges, and the checks that make it runnable.
/// </summary>
public sealed class LogicalGraph(string queryName)
{
    private readonly List<LogicalNode> _nodes = [];

    public string QueryName { get; } = queryName;

    /// <summary>Nodes in the order they were added (sources first is not required).</summary>
    public IReadOnlyList<LogicalNode> Nodes => _nodes;

    /// <summary>Adds a node and names it uniquely within the query.</summary>
    public T Add<T>(T node) where T : LogicalNode
    {
        if (node.Id >= 0) throw new InvalidOperationException($"Node {node.Name} already belongs to a graph.");
        node.Id = _nodes.Count;
        node.Name = $"{node.Name}#{node.Id}";
        _nodes.Add(node);
        return node;
    }

    /// <summary>Connects <paramref name="from"/>'s output to <paramref name="to"/>'s input <paramref name="port"/>.</summary>
    public LogicalEdge Connect(LogicalNode from, LogicalNode to, int port = 0, object? partitioner = null, int fromPort = 0)
    {
        if (!_nodes.Contains(from)) throw Invalid($"operator {from.Name} reads from an unknown source (a stream of another query?)");
        if (!_nodes.Contains(to)) throw Invalid($"operator {to.Name} is not part of this query");
        var edge = new LogicalEdge(from, to, port, partitioner, fromPort);
        from.AddOutput(edge);
        to.AddInput(edge);
        return edge;
    }

    /// <summary>The combined watermark delay of the sources and event-time assigners: the largest out-of-orderness bound.</summary>
    public long WatermarkDelayMs =>
        _nodes.Where(n => n.Kind == NodeKind.Source || n.AssignsEventTime).Select(n => n.WatermarkDelayMs).DefaultIfEmpty(0).Max();

    /// <summary>
    /// Checks that the graph can run, and computes what the runtime needs (channel numbering, window
    /// paths). Throws <see cref="QueryDefinitionException"/> naming the query and the problem.
    /// </summary>
    public IReadOnlyList<LogicalNode> Validate()
    {
        if (_nodes.Count == 0) throw Invalid("it has no operators");
        if (!_nodes.Any(n => n.Kind == NodeKind.Source)) throw Invalid("it has no source");
        if (!_nodes.Any(n => n.Kind == NodeKind.Sink)) throw Invalid("it has no sink: end each stream with To(...)");
        foreach (var n in _nodes)
        {
            if (n.Parallelism < 1) throw Invalid($"operator {n.Name} has parallelism {n.Parallelism}; it must be at least 1");
            if (n.Kind != NodeKind.Sink && !n.Outputs.Any(e => e.FromPort == 0)) throw Invalid($"the output of {n.Name} goes nowhere: end it with To(...)");
            if (n.Window is { Problem: { } problem }) throw Invalid($"operator {n.Name}: {problem}");
            for (int port = 0; port < n.InputPorts; port++)
                if (!n.Inputs.Any(e => e.Port == port)) throw Invalid($"operator {n.Name} has nothing connected to input {port}");
            if (n.IsKeyed && n.Inputs.Any(e => e.Partitioner is null))
                throw Invalid($"operator {n.Name} is keyed but an input is not partitioned by key");
        }

        var order = TopologicalOrder();
        foreach (var n in _nodes)
        {
            int channel = 0;
            foreach (var edge in n.Inputs)
            {
                edge.ChannelBase = channel;
                channel += edge.From.Parallelism;
            }
        }
        ComputeReleasePaths(order);
        return order;
    }

    /// <summary>Kahn's algorithm; a node left over sits on a cycle.</summary>
    private List<LogicalNode> TopologicalOrder()
    {
        var indegree = _nodes.ToDictionary(n => n, n => n.Inputs.Count);
        var ready = new Queue<LogicalNode>(_nodes.Where(n => indegree[n] == 0));
        var order = new List<LogicalNode>();
        while (ready.Count > 0)
        {
            var n = ready.Dequeue();
            order.Add(n);
            foreach (var e in n.Outputs)
                if (--indegree[e.To] == 0) ready.Enqueue(e.To);
        }
        if (order.Count != _nodes.Count)
        {
            var cyclic = _nodes.Where(n => indegree[n] > 0).Select(n => n.Name);
            throw Invalid($"its dataflow has a cycle through {string.Join(", ", cyclic)}");
        }
        return order;
    }

    private static void ComputeReleasePaths(List<LogicalNode> order)
    {
        for (int i = order.Count - 1; i >= 0; i--)
        {
            var n = order[i];
            if (n.Kind == NodeKind.Sink) { n.ReleasePaths = [ReleasePath.Immediate]; continue; }
            var paths = new List<ReleasePath>();
            foreach (var e in n.Outputs)
                foreach (var path in e.To.InputReleasePaths)
                    if (!paths.Any(q => q.Windows.SequenceEqual(path.Windows))) paths.Add(path);
            n.ReleasePaths = [.. paths];
        }
    }

    private QueryDefinitionException Invalid(string problem) => new(QueryName, problem);
}

/// <summary>A query definition that cannot run. The message names the query and the problem.</summary>
public sealed class QueryDefinitionException(string queryName, string problem)
    : Exception($"Query '{queryName}' is invalid: {problem}.")
{
    public string QueryName { get; } = queryName;
    public string Problem { get; } = problem;
}
