using Cameo.Runtime;
using Cameo.Scheduling;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Cameo;

/// <summary>How a <see cref="CameoEngine"/> runs.</summary>
public sealed class EngineOptions
{
    /// <summary>Worker threads shared by all queries. Default: one per core.</summary>
    public int Workers { get; set; } = Environment.ProcessorCount;

    /// <summary>Which message runs first. Default: <see cref="SchedulingPolicies.Cameo"/>.</summary>
    public ISchedulingPolicy Policy { get; set; } = SchedulingPolicies.Cameo;

    /// <summary>Where the engine reads time. Replace with a fake in tests.</summary>
    public TimeProvider Clock { get; set; } = TimeProvider.System;

    /// <summary>Longest an actor keeps a worker while others wait at the same priority.</summary>
    public TimeSpan Quantum { get; set; } = TimeSpan.FromMilliseconds(2);

    /// <summary>Where queries log failures and dead letters (category <c>Cameo.Query</c>).</summary>
    public ILoggerFactory LoggerFactory { get; set; } = NullLoggerFactory.Instance;

    /// <summary>Most records per message.</summary>
    public int BatchSize { get; set; } = Execution.HostFactory.DefaultBatchSize;

    /// <summary>
    /// Most processing time one message may cost: each message holds as many records as its
    /// receiving operator handles in this time by its profiled cost per record (at least one, at most
    /// <see cref="BatchSize"/>), and window and join firings run in slices of this cost, so urgent
    /// work waits for at most about this long behind a message already running. Default 0.5 ms.
    /// </summary>
    public TimeSpan MaxMessageCost { get; set; } = Execution.HostFactory.DefaultMaxMessageCost;

    /// <summary>
    /// Runs consecutive stateless operators (Where, Select, SelectMany) of equal parallelism on
    /// forward edges as one instance, records passing by a call instead of a message, unless a
    /// scheduling boundary is needed there (see <see cref="Dataflow.PhysicalPlan"/>). Default true.
    /// </summary>
    public bool OperatorChaining { get; set; } = true;

    /// <summary>Most messages one query may have queued before its sources wait (backpressure).</summary>
    public int MaxInFlightMessages { get; set; } = 256;

    /// <summary>
    /// Consistent checkpoints of every query, and recovery from them at start (see
    /// <see cref="Checkpoints.CheckpointOptions"/>). Default null: no checkpoints, and nothing on the hot path.
    /// </summary>
    public Checkpoints.CheckpointOptions? Checkpoints { get; set; }

    /// <summary>
    /// Builds the runtime the queries run on. Default: the embedded worker pool
    /// (<see cref="EmbeddedRuntime"/>). <see cref="UseSlots"/> selects the thread-per-instance
    /// baseline; Cameo.Orleans adds a cluster runtime.
    /// </summary>
    public Func<EngineOptions, IQueryRuntime> Runtime { get; set; } =
        o => new EmbeddedRuntime(o.Policy, o.Workers, o.Quantum);

    /// <summary>
    /// Runs every operator instance on a thread of its own and lets the operating system schedule
    /// them, as slot-based engines such as Flink do. A baseline: <see cref="Policy"/> still orders
    /// each instance's own mailbox, but nothing orders instances against each other.
    /// </summary>
    public EngineOptions UseSlots()
    {
        Runtime = o => new SlotRuntime(o.Policy);
        return this;
    }

    internal void Validate()
    {
        if (Workers < 1) throw new ArgumentOutOfRangeException(nameof(Workers), Workers, "At least one worker is needed.");
        if (BatchSize < 1) throw new ArgumentOutOfRangeException(nameof(BatchSize), BatchSize, "Batches hold at least one record.");
        if (MaxMessageCost <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(MaxMessageCost), MaxMessageCost, "A message must be allowed to cost some time.");
        if (MaxInFlightMessages < 1) throw new ArgumentOutOfRangeException(nameof(MaxInFlightMessages), MaxInFlightMessages, "At least one message must be allowed in flight.");
        ArgumentNullException.ThrowIfNull(Policy);
        ArgumentNullException.ThrowIfNull(Clock);
        Checkpoints?.Validate();
    }
}
