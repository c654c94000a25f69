using Cameo.Progress;

namespace Cameo.Scheduling;

/// <summary>
/// Builds the priority context of a message about to be sent to an operator: the paper's
/// <c>BuildCtxAtSource</c>/<c>BuildCtxAtOperator</c>. Pure arithmetic; every runtime calls it.
/// </summary>
public static class ContextConverter
{
    /// <summary>
    /// The frontier of a message whose earliest event arrived at <paramref name="arrival"/> and whose
    /// earliest event time is <paramref name="minEventTime"/>, on its way along <paramref name="paths"/>.
    /// </summary>
    /// <param name="arrival">Physical arrival of the message's earliest event.</param>
    /// <param name="minEventTime">Smallest event time in the message (its most urgent record).</param>
    /// <param name="paths">The window paths from the target operator to the sinks.</param>
    /// <param name="estimator">Predicts physical arrival from event time.</param>
    /// <param name="watermarkDelayMs">How far the watermark trails the largest event time seen (out-of-orderness bound).</param>
    public static long Frontier(long arrival, long minEventTime, ReleasePath[] paths, IFrontierSource estimator, long watermarkDelayMs)
    {
        long best = long.MaxValue;
        foreach (var path in paths)
        {
            if (path.IsImmediate) return arrival;
            long releaseEventTime = path.Release(minEventTime);
            // The window closes when an event stamped (release + delay) arrives and moves the watermark past it.
            long expected = estimator.ExpectedArrival(releaseEventTime + watermarkDelayMs);
            if (expected < best) best = expected;
        }
        return best == long.MaxValue ? arrival : Math.Max(arrival, best);
    }

    /// <summary>
    /// The frontier of a watermark that moves from <paramref name="previous"/> to <paramref name="next"/>:
    /// its own arrival if it closes a window on some path (that is what makes it urgent), otherwise
    /// the expected arrival of the watermark that will close the next window.
    /// </summary>
    public static long WatermarkFrontier(long arrival, long previous, long next, ReleasePath[] paths, IFrontierSource estimator, long watermarkDelayMs)
    {
        if (next == Watermark.EndOfStream) return arrival;
        // A window closes when the watermark reaches its end, and the first end above `previous` is
        // that of the window holding `previous` itself: a watermark moving one millisecond, from
        // end - 1 to end, closes it. A first watermark has no predecessor to compare with; it closes
        // nothing that holds records sent before it, so it is due when the window holding its own
        // event time closes.
        long from = previous == Watermark.None ? next : previous;
        long best = long.MaxValue;
        foreach (var path in paths)
        {
            if (path.IsImmediate) return arrival;
            long release = path.Release(from);
            if (release <= next) return arrival;
            long expected = estimator.ExpectedArrival(release + watermarkDelayMs);
            if (expected < best) best = expected;
        }
        return Math.Max(arrival, best);
    }

    /// <summary>
    /// True if a watermark moving from <paramref name="previous"/> to <paramref name="next"/> closes a
    /// window on some path of <paramref name="paths"/>: an output waits for it (paths without a
    /// window wait for no watermark).
    /// </summary>
    public static bool ClosesWindow(long previous, long next, ReleasePath[] paths)
    {
        if (next == Watermark.None || next <= previous) return false;
        long from = previous == Watermark.None ? next : previous; // see WatermarkFrontier
        foreach (var path in paths)
            if (!path.IsImmediate && path.Release(from) <= next) return true;
        return false;
    }

    /// <summary>
    /// The work the target operator must do, besides this message, before the output its frontier
    /// releases: the records that reach it between <paramref name="arrival"/> (of this message's
    /// earliest record) and the frontier, at the share of the target's time its input takes
    /// (<paramref name="inputLoad"/> = records per tick x cost per record). Counted only while that
    /// input leaves the target time to spare (load below 1: otherwise no order meets the window,
    /// and escalating it would only take time from other queries).
    /// </summary>
    /// <remarks>
    /// <para>Ahead of a window every message feeding it shares the window's frontier; ranked by its own
    /// cost alone, each would be due at the last moment, and the window's whole input would be left
    /// to run right before the deadline whenever other work is as urgent, late by that input's cost.
    /// Counting the input between this message and the close makes the earlier messages due earlier
    /// (deadlines chained backwards, as for jobs that must run in order), so the window's input is
    /// feasible as a whole, also when it costs more than the query's whole latency target (a
    /// 500 ms window whose input takes a fifth of a worker holds 100 ms of work for a 50 ms target:
    /// its deadlines must fall before the window closes).</para>
    /// <para>Counted from the arrival, not from the sending, it also sees a backlog: input read late,
    /// with the rest of its window still unread behind it, is due as early as that rest requires, and
    /// so, when that is already past, is recognised as late when it is sent (which the Cameo policy
    /// ranks with its own <see cref="PriorityContext.Slack"/> from then on: a bulk query catching up
    /// after a spike queues behind tighter queries' fresh work instead of claiming the workers
    /// because its window is due).</para>
    /// </remarks>
    public static long PendingWork(long arrival, long frontier, double inputLoad)
    {
        long ahead = frontier - arrival;
        if (ahead <= 0 || !(inputLoad > 0) || inputLoad >= 1) return 0;
        return (long)(ahead * inputLoad);
    }

    /// <summary>The full context of a message bound for operator <paramref name="target"/>.</summary>
    /// <param name="queryId">The query.</param>
    /// <param name="latencyTarget">The query's target, in ticks.</param>
    /// <param name="arrival">Physical arrival of the message's earliest event.</param>
    /// <param name="frontier">The message's frontier.</param>
    /// <param name="costs">What the sender knows of the costs below it.</param>
    /// <param name="target">The target operator (node id).</param>
    /// <param name="inputLoad">Share of the target's time its input on this edge takes (0 if unknown): see <see cref="PendingWork"/>.</param>
    public static PriorityContext Build(int queryId, long latencyTarget, long arrival, long frontier, DownstreamCosts costs, int target, double inputLoad = 0) =>
        new(queryId, arrival, frontier, latencyTarget, costs.CostOf(target), costs.PathBelow(target), PendingWork(arrival, frontier, inputLoad));

    /// <summary>
    /// The context a message of a shared stream would carry in <paramref name="consumer"/>'s query:
    /// its frontier along that query's window paths (from its earliest record, and from the watermark
    /// it carries), that query's target, and the costs to that query's sinks: the operator's, the
    /// shared part's below it (<paramref name="sharedPathBelow"/>) and the query's own below its source.
    /// </summary>
    /// <param name="queryId">The shared part's query id.</param>
    /// <param name="arrival">Physical arrival of the message's earliest event.</param>
    /// <param name="minEventTime">Smallest event time among the message's records; <see cref="long.MaxValue"/> if it carries none.</param>
    /// <param name="previousWatermark">The watermark the receiver got last on this edge.</param>
    /// <param name="watermark">The watermark the message carries, or <see cref="Watermark.None"/>.</param>
    /// <param name="operatorCost">The target operator's cost for the message.</param>
    /// <param name="sharedPathBelow">The shared part's critical path below the target operator (to the hand-over).</param>
    /// <param name="consumer">The query reading the shared stream.</param>
    public static PriorityContext ForConsumer(int queryId, long arrival, long minEventTime, long previousWatermark, long watermark,
        long operatorCost, long sharedPathBelow, in SharedConsumer consumer)
    {
        long frontier = long.MaxValue;
        if (minEventTime != long.MaxValue)
            frontier = Frontier(arrival, minEventTime, consumer.Paths, consumer.Frontier, consumer.WatermarkDelayMs);
        if (watermark != Watermark.None)
            frontier = Math.Min(frontier, WatermarkFrontier(arrival, previousWatermark, watermark, consumer.Paths, consumer.Frontier, consumer.WatermarkDelayMs));
        if (frontier == long.MaxValue) frontier = arrival;
        return new(queryId, arrival, frontier, consumer.LatencyTarget, operatorCost, sharedPathBelow + consumer.CostBelow);
    }

    /// <summary>
    /// The context of a message on a shared stream: of the contexts it would carry in each query
    /// reading the stream (<see cref="ForConsumer"/>), the most urgent, i.e. the one with the
    /// earliest start deadline (ties: the first consumer). So the shared part runs as early as its
    /// most demanding reader needs, and each query's own deadlines apply again after the hand-over.
    /// Null if no query reads the stream.
    /// </summary>
    public static PriorityContext? MostUrgent(int queryId, long arrival, long minEventTime, long previousWatermark, long watermark,
        long operatorCost, long sharedPathBelow, ReadOnlySpan<SharedConsumer> consumers)
    {
        PriorityContext? best = null;
        foreach (ref readonly var c in consumers)
        {
            var context = ForConsumer(queryId, arrival, minEventTime, previousWatermark, watermark, operatorCost, sharedPathBelow, c);
            if (best is not { } b || context.StartDeadline < b.StartDeadline) best = context;
        }
        return best;
    }
}

/// <summary>
/// What a shared stream's messages need to know of one query reading it: its target, the window
/// paths from its source to its sinks, its arrival forecast, its watermark delay and the profiled
/// cost from its source to its sinks (the source instance's own and the critical path below it).
/// </summary>
public readonly record struct SharedConsumer(long LatencyTarget, ReleasePath[] Paths, IFrontierSource Frontier, long WatermarkDelayMs, long CostBelow);
