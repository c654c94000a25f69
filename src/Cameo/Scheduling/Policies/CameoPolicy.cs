namespace Cameo.Scheduling.Policies;

/// <summary>
/// Cameo: least laxity with query semantics. The earliest start deadline
/// <c>frontier + L - C(o, M) - C(path)</c> runs first, where the frontier of a message ahead of a
/// window is the expected arrival of the event that closes it.
/// </summary>
/// <remarks>
/// Overload protection: a message that has already missed its start deadline when it is queued is
/// ranked as if the event behind it had just arrived, <c>now + L - C(o, M) - C(path)</c>. Plain
/// deadline order would let a saturated bulk query's backlog, its deadlines long past, outrank every
/// fresh message, and make every tenant miss (EDF's domino effect); re-deadlined, that backlog
/// queues behind tighter queries' work, in arrival order among itself. A tight query that slipped
/// keeps its own urgency and recovers first. (Ranking missed messages after every message that can
/// still make it, as this policy first did, has a cliff: a latency-sensitive query that slipped by
/// a millisecond under overload waited behind the bulk queries' whole feasible backlog, seconds.)
/// The price: a tight query whose own demand exceeds the machine keeps outranking looser ones.
/// </remarks>
public sealed class CameoPolicy : ISchedulingPolicy
{
    public string Name => "cameo";

    public long Rank(in PriorityContext context, long enqueuedAt)
    {
        long deadline = context.StartDeadline;
        // Never ahead of now: the work still to come before a window's close can exceed the target.
        return deadline >= enqueuedAt ? deadline : enqueuedAt + Math.Max(0, deadline - context.FrontierTime);
    }
}
