using Cameo.Metrics;
using Cameo.Progress;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Cameo.Execution;

/// <summary>What every instance of one query shares, whichever runtime hosts it.</summary>
public sealed class QueryContext(int id, string name, TimeSpan latencyTarget, long watermarkDelayMs, TimeProvider clock, QueryMetrics metrics)
{
    /// <summary>The query's number within its engine or cluster; travels in every priority context.</summary>
    public int Id { get; } = id;
    public string Name { get; } = name;
    public TimeSpan LatencyTarget { get; } = latencyTarget;
    public long LatencyTargetTicks { get; } = latencyTarget.Ticks;

    /// <summary>How far watermarks trail event time (the sources' out-of-orderness bound), ms.</summary>
    public long WatermarkDelayMs { get; } = watermarkDelayMs;

    public TimeProvider Clock { get; } = clock;

    /// <summary>
    /// Most time one message may cost its receiver, in ticks: messages hold as many records, and
    /// window firings run in slices of as many results, as fit in it by the profiled costs.
    /// </summary>
    public long MaxMessageCostTicks { get; init; } = HostFactory.DefaultMaxMessageCost.Ticks;

    /// <summary>The query's checkpoint coordinator, or null if the query is not checkpointed.</summary>
    public Checkpoints.ICheckpointCoordinator? Checkpoints { get; init; }

    /// <summary>Where the query reports failures and dead letters.</summary>
    public ILogger Logger { get; init; } = NullLogger.Instance;
    public QueryMetrics Metrics { get; } = metrics;

    /// <summary>Keeps an input a source could not read (in the metrics, and in the log).</summary>
    public void ReportDeadLetter(Operators.DeadLetter letter)
    {
        Metrics.RecordDeadLetter(letter);
        QueryLog.DeadLetter(this, letter, Metrics.DeadLetters.Count);
    }

    /// <summary>The query's forecast of event arrivals over all its sources (each source instance registers as it is created).</summary>
    public QueryFrontier Frontier { get; } = new();

    /// <summary>The query's operator instances hosted in this process, registered as they are created (lock it to read).</summary>
    public List<InstanceHost> Instances { get; } = [];
}
