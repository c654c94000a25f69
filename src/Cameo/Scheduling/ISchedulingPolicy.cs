namespace Cameo.Scheduling;

/// <summary>
/// Ranks messages. A policy is a pure function of a message's context: no I/O, no locks, no state,
/// so that every runtime (the embedded worker pool, each Orleans silo) can apply it the same way.
/// A policy that needs per-query state (a proportional share) also implements
/// <see cref="IQueryAwarePolicy"/> and keeps that state lock-free.
/// Configuration binds a policy by its name (<see cref="SchedulingPolicyConverter"/>).
/// </summary>
[System.ComponentModel.TypeConverter(typeof(SchedulingPolicyConverter))]
public interface ISchedulingPolicy
{
    /// <summary>The name used on the command line and in reports.</summary>
    string Name { get; }

    /// <summary>
    /// The message's rank: smaller runs first. Ties run in arrival order.
    /// </summary>
    /// <param name="context">The message's priority context.</param>
    /// <param name="enqueuedAt">Physical time at which the message reached its mailbox.</param>
    long Rank(in PriorityContext context, long enqueuedAt);
}
