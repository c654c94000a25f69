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

    /// <summary>Each instance traces one message in this many while the <c>Cameo</c> activity source has listeners (see <see cref="EngineOptions.MessageTraceInterval"/>).</summary>
    public int MessageTraceInterval { get; init; } = 1000;

    /// <summary>The query's checkpoint coordinator, or null if the query is not checkpointed.</summary>
    public Checkpoints.ICheckpointCoordinator? Checkpoints { get; init; }

    /// <summary>Where the query reports failures and dead letters.</summary>
    public ILogger Logger { get; init; } = NullLogger.Instance;
    public QueryMetrics Metrics { get; } = metrics;

    /// <summary>Keeps an input a source could not read (in the metrics, and in the log).</summary>
    public void ReportDeadLetter(Operators.DeadLetter letter)
    {
        long count = Metrics.RecordDeadLetter(letter);
        QueryLog.DeadLetter(this, letter, count);
    }

    private List<Func<bool, ValueTask>>? _endActions;

    /// <summary>
    /// True if the runtime running the query calls <see cref="RunEndActionsAsync"/> when it ends,
    /// so that sources may register actions with <see cref="OnEnded"/>.
    /// </summary>
    public bool RunsEndActions { get; set; }

    /// <summary>Registers an action to run when the query ends (see <see cref="Operators.SourceContext.OnQueryEnded"/>).</summary>
    public void OnEnded(Func<bool, ValueTask> action)
    {
        lock (Instances) (_endActions ??= []).Add(action);
    }

    /// <summary>Runs the registered end actions once each, in order; the first error is thrown after all ran.</summary>
    /// <param name="completed">True if every sink saw the end of its input; false if the query failed or was abandoned.</param>
    public async Task RunEndActionsAsync(bool completed)
    {
        List<Func<bool, ValueTask>>? actions;
        lock (Instances) (actions, _endActions) = (_endActions, null);
        if (actions is null) return;
        Exception? first = null;
        foreach (var action in actions)
        {
            try
            {
                await action(completed).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                first ??= ex;
            }
        }
        if (first is not null) throw first;
    }

    /// <summary>The query's forecast of event arrivals over all its sources (each source instance registers as it is created).</summary>
    public QueryFrontier Frontier { get; } = new();

    /// <summary>For the shared part of a shared stream: the queries it feeds, whose most urgent context its messages carry.</summary>
    internal ISharedConsumers? SharedConsumers { get; init; }

    /// <summary>The query's operator instances hosted in this process, registered as they are created (lock it to read).</summary>
    public List<InstanceHost> Instances { get; } = [];
}
