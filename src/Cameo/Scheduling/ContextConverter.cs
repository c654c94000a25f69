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
        // A first watermark has no predecessor to compare with; it closes nothing that holds records
        // sent before it, so it is due when the window holding its own event time closes.
        long from = previous == Watermark.None ? next : previous + 1;
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

    /// <summary>The full context of a message bound for operator <paramref name="target"/>.</summary>
    public static PriorityContext Build(int queryId, long latencyTarget, long arrival, long frontier, DownstreamCosts costs, int target) =>
        new(queryId, arrival, frontier, latencyTarget, costs.CostOf(target), costs.PathBelow(target));
}
