namespace Cameo.Scheduling.Policies;

/// <summary>
/// Cameo: least laxity with query semantics. The earliest start deadline
/// <c>frontier + L - C(o, M) - C(path)</c> runs first, where the frontier of a message ahead of a
/// window is the expected arrival of the event that closes it.
/// </summary>
/// <remarks>
/// Overload protection: a message that has already missed its start deadline when it is queued
/// ranks after every message that can still meet its own. Without it, a backlog of a saturated bulk
/// query ages until its long-past deadlines outrank every fresh message, and deadline order makes
/// every query miss (EDF's domino effect). Among missed messages the least late goes first: a tight
/// query that slipped by a few milliseconds recovers before a bulk query that is seconds behind,
/// instead of queueing behind that bulk query's oldest work (which plain deadline order would serve
/// first). Lateness is not divided by the target: that would make a tight query's small slip look
/// worse than a bulk query's long one, and the tight query would never catch up.
/// </remarks>
public sealed class CameoPolicy : ISchedulingPolicy
{
    /// <summary>Added to the rank of a missed message: beyond any physical time in ticks, still far from overflow.</summary>
    private const long Missed = 1L << 62;

    public string Name => "cameo";

    public long Rank(in PriorityContext context, long enqueuedAt)
    {
        long deadline = context.StartDeadline;
        return deadline >= enqueuedAt ? deadline : Missed + Math.Min(enqueuedAt - deadline, Missed - 1);
    }
}
