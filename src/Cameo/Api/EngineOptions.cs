using System.Diagnostics.Metrics;
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

    /// <summary>
    /// Where the engine's <c>Cameo</c> meter comes from (see <see cref="Metrics.CameoTelemetry"/>):
    /// the host's factory (Cameo.Hosting sets it from dependency injection), or null for the meter
    /// every engine of the process shares.
    /// </summary>
    public IMeterFactory? MeterFactory { get; set; }

    /// <summary>
    /// Traces one message in this many of each operator instance while a listener (such as an
    /// OpenTelemetry tracer) samples the <c>Cameo</c> activity source: a span per traced message.
    /// Default 1000.
    /// </summary>
    public int MessageTraceInterval { get; set; } = 1000;

    /// <summary>
    /// How long <see cref="CameoEngine.StopAsync"/> (and a cancelled <see cref="CameoEngine.RunAsync"/>)
    /// waits, by default, for what is in flight once the sources stopped. Default 10 s.
    /// </summary>
    public TimeSpan DrainTimeout { get; set; } = TimeSpan.FromSeconds(10);

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

    /// <summary>
    /// Most dead letters (inputs a source could not read) kept per query as samples, the latest
    /// ones; all are counted and logged (rate-limited). Default 1000.
    /// </summary>
    public int DeadLetterSamples { get; set; } = Metrics.QueryMetrics.DefaultDeadLetterSamples;

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

    /// <summary>What keeps these options from running an engine, one sentence each naming the option; empty if nothing does.</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (Workers < 1) problems.Add($"{nameof(Workers)} must be at least 1 (was {Workers}).");
        if (BatchSize < 1) problems.Add($"{nameof(BatchSize)} must be at least 1: a message holds at least one record (was {BatchSize}).");
        if (MaxMessageCost <= TimeSpan.Zero) problems.Add($"{nameof(MaxMessageCost)} must be positive (was {MaxMessageCost}).");
        if (Quantum <= TimeSpan.Zero) problems.Add($"{nameof(Quantum)} must be positive (was {Quantum}).");
        if (DeadLetterSamples < 0) problems.Add($"{nameof(DeadLetterSamples)} must not be negative (was {DeadLetterSamples}).");
        if (MaxInFlightMessages < 1) problems.Add($"{nameof(MaxInFlightMessages)} must be at least 1: a query needs a message in flight to make progress (was {MaxInFlightMessages}).");
        if (MessageTraceInterval < 1) problems.Add($"{nameof(MessageTraceInterval)} must be at least 1 (was {MessageTraceInterval}).");
        if (DrainTimeout < TimeSpan.Zero) problems.Add($"{nameof(DrainTimeout)} must not be negative (was {DrainTimeout}).");
        if (Policy is null) problems.Add($"{nameof(Policy)} must be set.");
        if (Clock is null) problems.Add($"{nameof(Clock)} must be set.");
        if (LoggerFactory is null) problems.Add($"{nameof(LoggerFactory)} must be set.");
        if (Runtime is null) problems.Add($"{nameof(Runtime)} must be set.");
        return problems;
    }

    /// <exception cref="ArgumentOutOfRangeException">The options cannot run an engine; the message lists every <see cref="Problems"/>.</exception>
    internal void ThrowIfInvalid()
    {
        var problems = Problems();
        if (problems.Count > 0) throw new ArgumentOutOfRangeException(null, $"Invalid {nameof(EngineOptions)}: {string.Join(" ", problems)}");
        Checkpoints?.Validate();
    }
}
