namespace Cameo.Scheduling.Policies;

/// <summary>Earliest completion deadline first: <c>frontier + L</c>. Knows targets and windows, not costs.</summary>
public sealed class Edf : ISchedulingPolicy
{
    public string Name => "edf";

    public long Rank(in PriorityContext context, long enqueuedAt) => context.CompletionDeadline;
}
