namespace Cameo.Scheduling.Policies;

/// <summary>
/// Cameo: least laxity with query semantics. The earliest start deadline
/// <c>frontier + L - C(o, M) - C(path)</c> runs first, where the frontier of a message ahead of a
/// window is the expected arrival of the event that closes it.
/// </summary>
public sealed class CameoPolicy : ISchedulingPolicy
{
    public string Name => "cameo";

    public long Rank(in PriorityContext context, long enqueuedAt) => context.StartDeadline;
}
