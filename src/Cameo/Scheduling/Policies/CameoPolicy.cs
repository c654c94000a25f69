namespace Cameo.Scheduling.Policies;

/// <summary>
/// Cameo: least laxity with query semantics. The earliest start deadline
/// <c>frontier + L - C(o, M) - C(path)</c> runs first, where the frontier of a message ahead of a
/// window is the expected arrival of the event that closes it.
/// </summary>
/// <remarks>
/// Overload protection: a message that has already missed its start deadline when it is queued
/// ranks after every message that can still meet its own (in deadline order among themselves).
/// Without it, a backlog of a saturated bulk query ages until its long-past deadlines outrank every
/// fresh message, and deadline order makes every query miss (EDF's domino effect). With it, bulk
/// work that is late anyway runs on whatever the queries that can still make it leave free.
/// </remarks>
public sealed class CameoPolicy : ISchedulingPolicy
{
    /// <summary>Added to a missed deadline: beyond any physical time in ticks, still far from overflow.</summary>
    private const long Missed = 1L << 62;

    public string Name => "cameo";

    public long Rank(in PriorityContext context, long enqueuedAt)
    {
        long deadline = context.StartDeadline;
        return deadline >= enqueuedAt ? deadline : Missed + deadline;
    }
}
