namespace Cameo.Scheduling;

/// <summary>
/// What every message carries so that any scheduler, anywhere, can rank it against any other message.
/// All times are physical ticks (see <see cref="Time.PhysicalTime"/>).
/// </summary>
/// <param name="QueryId">The query (tenant) the message belongs to.</param>
/// <param name="ArrivalTime">Physical arrival of the earliest event the message carries (for a window's
/// result: of the event whose watermark closed the window). Latency is measured from here.</param>
/// <param name="FrontierTime">Physical (expected) arrival of the event that will release the output this
/// message contributes to: <see cref="ArrivalTime"/> on stateless paths, the expected arrival of the
/// window-closing event ahead of a window.</param>
/// <param name="LatencyTarget">The query's latency target, in ticks.</param>
/// <param name="OperatorCost">Profiled cost of processing the message at its target operator.</param>
/// <param name="CriticalPathCost">Profiled cost of the costliest path from the target operator's outputs to a sink.</param>
/// <param name="PendingWork">Ahead of a window, the target's work on the window's other input, from
/// this message's arrival to the window's close: it must be done by the same deadline (see
/// <see cref="ContextConverter.PendingWork"/>).</param>
public readonly record struct PriorityContext(
    int QueryId,
    long ArrivalTime,
    long FrontierTime,
    long LatencyTarget,
    long OperatorCost,
    long CriticalPathCost,
    long PendingWork = 0)
{
    /// <summary>When the output this message feeds must be emitted: <c>frontier + L</c>.</summary>
    public long CompletionDeadline => FrontierTime + LatencyTarget;

    /// <summary>
    /// The latest moment processing may start and still meet the target:
    /// <c>frontier + L - C(o, M) - C(path below o)</c>, the paper's <c>ddl_M</c>, less the
    /// <see cref="PendingWork"/> that must fit before the same deadline.
    /// </summary>
    public long StartDeadline => FrontierTime + LatencyTarget - OperatorCost - CriticalPathCost - PendingWork;

    /// <summary>The time the message's own work and the path below it leave to spare within the target: <c>L - C(o, M) - C(path below o)</c>.</summary>
    public long Slack => LatencyTarget - OperatorCost - CriticalPathCost;
}
