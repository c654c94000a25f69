namespace Cameo.Metrics;

/// <summary>
/// How long messages waited while a lower-ranked message ran on a worker they could have used:
/// the price of running messages to completion. Measured per message from the moment it could run
/// (queued, and its own single-threaded instance free) until it started; summarized since the runtime started or its measurements were reset.
/// </summary>
/// <param name="P99Ms">99th percentile of the per-message inversion time, in milliseconds.</param>
/// <param name="MaxMs">Largest per-message inversion time, in milliseconds.</param>
/// <param name="Messages">Messages measured.</param>
public readonly record struct PriorityInversion(double P99Ms, double MaxMs, long Messages)
{
    /// <summary>Nothing measured (a runtime that does not measure inversion, or no message yet).</summary>
    public static PriorityInversion None => default;
}
