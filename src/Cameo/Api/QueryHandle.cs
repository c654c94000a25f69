using Cameo.Execution;
using Cameo.Metrics;
using Cameo.Operators;
using Cameo.Runtime;

namespace Cameo;

/// <summary>A deployed query: its progress, its measurements, and a way to stop it.</summary>
public sealed class QueryHandle
{
    private readonly QueryContext _context;
    private readonly IDeployedQuery _run;

    internal QueryHandle(QueryContext context, IDeployedQuery run)
    {
        _context = context;
        _run = run;
    }

    public string Name => _context.Name;

    public TimeSpan LatencyTarget => _context.LatencyTarget;

    /// <summary>
    /// Completes when the query has emitted everything (its sources ended or were stopped);
    /// faults with <see cref="QueryFailedException"/> if an operator or source threw.
    /// </summary>
    public Task Completion => _run.Completion;

    /// <summary>The error that stopped the query, if any.</summary>
    public Exception? Failure => _run.Failure;

    /// <summary>The query's checkpoint coordinator, or null if the engine takes no checkpoints.</summary>
    public Checkpoints.CheckpointCoordinator? Checkpoints => _context.Checkpoints as Checkpoints.CheckpointCoordinator;

    /// <summary>The newest checkpoint of the query that completed (or that it resumed from); 0 before any, or without checkpoints.</summary>
    public long LastCheckpoint => Checkpoints?.LastCompleted ?? 0;

    /// <summary>Live measurements.</summary>
    public QueryMetrics Metrics => _context.Metrics;

    /// <summary>A snapshot of <see cref="Metrics"/>.</summary>
    public QueryStats Stats => Metrics.Snapshot();

    /// <summary>Messages waiting at the query's operator instances, where the runtime reports it (the embedded and slot runtimes do).</summary>
    public int? QueuedMessages => _run.QueuedMessages;

    /// <summary>Messages the query has in flight (sent, not yet processed): the credits of its <see cref="EngineOptions.MaxInFlightMessages"/> in use, where the runtime reports it.</summary>
    public int? CreditsInUse => _run.CreditsInUse;

    /// <summary>
    /// How far the event-time watermark of the query's sinks (hosted in this process) trails the
    /// current time; null before the first watermark and after the end of the input.
    /// </summary>
    public TimeSpan? WatermarkLag
    {
        get
        {
            long min = long.MaxValue;
            lock (_context.Instances)
                foreach (var host in _context.Instances)
                    if (host.Node.Kind == Dataflow.NodeKind.Sink) min = Math.Min(min, host.Progress.Current);
            if (min is Progress.Watermark.None or Progress.Watermark.EndOfStream) return null;
            long nowMs = Time.PhysicalTime.ToEventTime(Time.PhysicalTime.Now(_context.Clock));
            return TimeSpan.FromMilliseconds(Math.Max(0, nowMs - min));
        }
    }

    /// <summary>Inputs the sources could not read.</summary>
    public IReadOnlyCollection<DeadLetter> DeadLetters => Metrics.DeadLetters;

    /// <summary>
    /// Each operator's profiled cost so far, summed over its instances in this process (in node
    /// order): what a replay of the query's work needs (see the ideal bound of the benchmarks).
    /// </summary>
    public IReadOnlyList<OperatorCost> OperatorCosts()
    {
        InstanceHost[] hosts;
        lock (_context.Instances) hosts = [.. _context.Instances];
        return [.. hosts.GroupBy(h => h.Node.Id).OrderBy(g => g.Key).Select(g => new OperatorCost(
            g.Key, g.First().Node.Name, g.First().Node.Kind, g.Count(), g.Sum(h => h.Cost.Records), g.Sum(h => h.Cost.BusyTicks))
        {
            FiringTicks = g.Sum(h => h.Cost.FiringTicks),
            Results = g.Sum(h => h.Cost.Results),
        })];
    }

    /// <summary>Stops the query's sources; open windows are flushed and <see cref="Completion"/> follows.</summary>
    public void Stop() => _run.Stop();

    public override string ToString() => $"{Name} (target {LatencyTarget.TotalMilliseconds} ms)";
}

/// <summary>One operator's profiled cost: its processing time and the records it processed, over its instances.</summary>
/// <param name="Node">The operator's index in its query.</param>
/// <param name="Name">The operator's name and index (e.g. <c>Where#1</c>, <c>Average#2</c>).</param>
/// <param name="Kind">Source, operator or sink.</param>
/// <param name="Instances">Parallel instances measured.</param>
/// <param name="Records">Records the instances processed.</param>
/// <param name="BusyTicks">Time the instances spent processing, ticks (window firings included).</param>
public sealed record OperatorCost(int Node, string Name, Dataflow.NodeKind Kind, int Instances, long Records, long BusyTicks)
{
    /// <summary>Of <see cref="BusyTicks"/>, the time spent emitting window (and join) firings' results.</summary>
    public long FiringTicks { get; init; }

    /// <summary>Results those firings emitted.</summary>
    public long Results { get; init; }

    /// <summary>Processing time per record, ticks (0 before any record).</summary>
    public double TicksPerRecord => Records == 0 ? 0 : BusyTicks / (double)Records;
}
