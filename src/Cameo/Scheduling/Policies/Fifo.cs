namespace Cameo.Scheduling.Policies;

/// <summary>First in, first out: the order a plain actor runtime (such as Orleans) gives. The baseline.</summary>
public sealed class Fifo : ISchedulingPolicy
{
    public string Name => "fifo";

    public long Rank(in PriorityContext context, long enqueuedAt) => enqueuedAt;
}
