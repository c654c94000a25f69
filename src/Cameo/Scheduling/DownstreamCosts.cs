namespace Cameo.Scheduling;

/// <summary>
/// An instance's knowledge of the operators below it, learnt from reply contexts: each downstream
/// operator's cost per message and per record, and its own critical path. The maximum over downstream
/// operators of <c>cost + path</c> is this instance's critical path.
/// </summary>
/// <remarks>
/// Replies are applied from whichever thread processed the downstream message; the fields are
/// single longs read and written atomically, and a momentarily stale maximum is harmless.
/// </remarks>
public sealed class DownstreamCosts
{
    private readonly long[] _cost;
    private readonly long[] _path;
    private readonly double[] _recordCost;
    private readonly int[] _nodes;

    /// <param name="queryNodeCount">Number of operators in the query (replies are indexed by operator).</param>
    /// <param name="downstreamNodes">The operators this instance sends to.</param>
    public DownstreamCosts(int queryNodeCount, IReadOnlyList<int> downstreamNodes)
    {
        _cost = new long[queryNodeCount];
        _path = new long[queryNodeCount];
        _recordCost = new double[queryNodeCount];
        _nodes = [.. downstreamNodes];
    }

    public void Apply(in ReplyContext reply)
    {
        Volatile.Write(ref _cost[reply.Node], reply.OperatorCost);
        Volatile.Write(ref _path[reply.Node], reply.CriticalPathCost);
        Volatile.Write(ref _recordCost[reply.Node], reply.RecordCost);
    }

    /// <summary>The profiled cost of one message at <paramref name="node"/>.</summary>
    public long CostOf(int node) => Volatile.Read(ref _cost[node]);

    /// <summary>The profiled cost of one record at <paramref name="node"/>, in ticks; 0 until it has been profiled.</summary>
    public double RecordCostOf(int node) => Volatile.Read(ref _recordCost[node]);

    /// <summary>The critical path below <paramref name="node"/>.</summary>
    public long PathBelow(int node) => Volatile.Read(ref _path[node]);

    /// <summary>The costliest path from this instance's outputs to a sink.</summary>
    public long CriticalPath
    {
        get
        {
            long max = 0;
            foreach (int n in _nodes)
            {
                long total = CostOf(n) + PathBelow(n);
                if (total > max) max = total;
            }
            return max;
        }
    }
}
