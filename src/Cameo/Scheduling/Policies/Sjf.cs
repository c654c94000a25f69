namespace Cameo.Scheduling.Policies;

/// <summary>Shortest job first: the cheapest profiled message runs first, whatever its query's target.</summary>
public sealed class Sjf : ISchedulingPolicy
{
    public string Name => "sjf";

    public long Rank(in PriorityContext context, long enqueuedAt) => context.OperatorCost;
}
