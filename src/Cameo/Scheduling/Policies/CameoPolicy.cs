namespace Cameo.Scheduling.Policies;

/// <summary>
/// Cameo: least laxity with query semantics. The earliest start deadline
/// <c>frontier + L - C(o, M) - C(path)</c> runs first, where the frontier of a message ahead of a
/// window is the expected arrival of the event that closes it.
/// </summary>
/// <remarks>
/// Overload protection: a message that has already missed its start deadline when it is queued is
/// ranked as if the event behind it had just arrived, <c>now + L - C(o, M) - C(path)</c>. Plain
/// deadline order would let a saturated bulk query's backlog, its deadlines long past or just
/// reached, outrank every fresh message, and make every tenant miss (EDF's domino effect); a
/// backlog whose window's remaining input no longer fits before the deadline counts as missed
/// (see <see cref="ContextConverter.PendingWork"/>). Re-deadlined, that backlog queues behind
/// tighter queries' work, in arrival order among itself. A tight query that slipped keeps its own
/// urgency and recovers first. (Ranking missed messages after every message that can still make
/// it has a cliff: a latency-sensitive query that slipped by a millisecond under overload would
/// wait behind the bulk queries' whole feasible backlog, seconds.)
/// The price: a tight query whose own demand exceeds the machine keeps outranking looser ones.
/// </remarks>
public sealed class CameoPolicy : ISchedulingPolicy
{
    public string Name => "cameo";

    public long Rank(in PriorityContext context, long enqueuedAt)
    {
        long deadline = context.StartDeadline;
        // Re-deadlined with the message's own slack: the pending work that made it late is what it
        // can no longer meet, and counting it again would rank a backlog ahead of fresh work.
        return deadline >= enqueuedAt ? deadline : enqueuedAt + Math.Max(0, context.Slack);
    }
}
