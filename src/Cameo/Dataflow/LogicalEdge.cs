namespace Cameo.Dataflow;

/// <summary>A stream from one node's output to one input port of another.</summary>
public sealed class LogicalEdge(LogicalNode from, LogicalNode to, int port, object? partitioner, int fromPort = 0)
{
    public LogicalNode From { get; } = from;

    /// <summary>
    /// The sender's output: 0 for its results; a side output otherwise: late records (1, or for a
    /// join 1 for the left side's and 2 for the right side's).
    /// </summary>
    public int FromPort { get; } = fromPort;
    public LogicalNode To { get; } = to;

    /// <summary>The receiving port: 0, or 1 for a join's right side.</summary>
    public int Port { get; } = port;

    /// <summary>
    /// A <see cref="Partitioner{T}"/> for the edge's record type, routing each record to an instance by key;
    /// null to forward (same instance index when parallelisms match, round-robin batches otherwise).
    /// </summary>
    public object? Partitioner { get; } = partitioner;

    /// <summary>The receiver's first input channel for this edge: a sender instance <c>i</c> arrives on channel <c>ChannelBase + i</c>.</summary>
    public int ChannelBase { get; internal set; }
}

/// <summary>Routes records to instances by key.</summary>
public abstract class Partitioner<T>
{
    /// <summary>The instance, out of <paramref name="instances"/>, that must receive <paramref name="item"/>.</summary>
    public abstract int Route(T item, int instances);
}

/// <summary>Hash partitioning on a key, so that each key's records always reach the same instance.</summary>
public sealed class HashPartitioner<T, TKey>(Func<T, TKey> key) : Partitioner<T>
{
    public override int Route(T item, int instances)
    {
        if (instances == 1) return 0;
        uint h = (uint)EqualityComparer<TKey>.Default.GetHashCode(key(item)!);
        h *= 0x9E3779B1u; // spread low-entropy hashes (small ints) across instances
        return (int)((h >> 8) % (uint)instances);
    }
}
