namespace Cameo.Scheduling.Policies;

/// <summary>
/// Least laxity first with each event's own arrival as its frontier: aware of the topology's
/// remaining cost, blind to windows. Shows what query semantics add on top.
/// </summary>
public sealed class Llf : ISchedulingPolicy
{
    public string Name => "llf";

    public long Rank(in PriorityContext context, long enqueuedAt) =>
        context.ArrivalTime + context.LatencyTarget - context.OperatorCost - context.CriticalPathCost;
}
