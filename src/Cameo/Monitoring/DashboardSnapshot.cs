namespace Cameo.Monitoring;

/// <summary>
/// What a live view shows of a running engine or silo at one moment: each query's latency against
/// its target, its throughput and policy, and how busy each worker (or silo) is.
/// </summary>
/// <param name="At">When it was taken.</param>
/// <param name="Title">What it describes (an engine's runtime, or a silo's address).</param>
/// <param name="Runtime">The runtime's short name (<c>embedded</c>, <c>slots</c>, <c>orleans</c>).</param>
/// <param name="Policy">The scheduling policy's name.</param>
/// <param name="Queries">One panel per query, in the order they were added.</param>
/// <param name="Workers">One row per worker (embedded runtime) or per silo (Orleans).</param>
/// <param name="QueueDepthNote">Why <see cref="QueryPanel.QueueDepth"/> is missing, when it is.</param>
public sealed record DashboardSnapshot(
    DateTimeOffset At,
    string Title,
    string Runtime,
    string Policy,
    IReadOnlyList<QueryPanel> Queries,
    IReadOnlyList<WorkerLoad> Workers,
    string? QueueDepthNote = null);

/// <summary>One query as the dashboard shows it. Latencies in milliseconds; null before any output.</summary>
/// <param name="Name">The query's name.</param>
/// <param name="TargetMs">Its latency target.</param>
/// <param name="Policy">The scheduling policy it runs under.</param>
/// <param name="State">Running, completed or failed.</param>
/// <param name="Outputs">Outputs measured so far.</param>
/// <param name="P50Ms">Median latency of the outputs of the last second that had any.</param>
/// <param name="P99Ms">99th percentile of the same second.</param>
/// <param name="OverallP99Ms">99th percentile over everything measured.</param>
/// <param name="OnTarget">Share of all outputs within the target (1 before any output).</param>
/// <param name="InputEventsPerSecond">Average input rate since measurements started.</param>
/// <param name="OutputsPerSecond">Outputs during the last second that had any.</param>
/// <param name="QueueDepth">Messages waiting for the query's operators, where the runtime reports it.</param>
/// <param name="Timeline">Per-second latency of the last <see cref="TimelineSeconds"/> seconds with outputs.</param>
/// <param name="Location">Where these measurements were taken, when a query runs in several places (a silo).</param>
public sealed record QueryPanel(
    string Name,
    double TargetMs,
    string Policy,
    string State,
    long Outputs,
    double? P50Ms,
    double? P99Ms,
    double? OverallP99Ms,
    double OnTarget,
    double InputEventsPerSecond,
    double OutputsPerSecond,
    int? QueueDepth,
    IReadOnlyList<TimelinePoint> Timeline,
    string? Location = null)
{
    /// <summary>Seconds of history a panel carries.</summary>
    public const int TimelineSeconds = 120;

    /// <summary>A panel from a query's measurements.</summary>
    public static QueryPanel From(Metrics.QueryStats stats, string policy, string state, int? queueDepth = null, string? location = null)
    {
        var last = stats.Timeline.Count > 0 ? stats.Timeline[^1] : null;
        return new QueryPanel(
            stats.Query,
            stats.LatencyTarget.TotalMilliseconds,
            policy,
            state,
            stats.Outputs,
            last?.P50Ms,
            last?.P99Ms,
            stats.Outputs > 0 ? stats.P99Ms : null,
            stats.SlaAttainment,
            stats.InputEventsPerSecond,
            last?.Outputs ?? 0,
            queueDepth,
            [.. stats.Timeline.Skip(Math.Max(0, stats.Timeline.Count - TimelineSeconds)).Select(p => new TimelinePoint(p.Second, p.P50Ms, p.P99Ms, p.Outputs))],
            location);
    }
}

/// <summary>Latency of the outputs of one second (seconds since measurements started).</summary>
public sealed record TimelinePoint(long Second, double P50Ms, double P99Ms, long Outputs);

/// <summary>How busy one worker or silo was since the previous snapshot (0 to 1).</summary>
public sealed record WorkerLoad(string Name, double Utilization);

/// <summary>
/// Where a live view reads its snapshots. A dashboard takes one snapshot per refresh interval, one
/// at a time, so implementations may measure rates as differences from their previous call.
/// </summary>
public interface IDashboardSource
{
    ValueTask<DashboardSnapshot> SnapshotAsync(CancellationToken cancellationToken = default);
}
