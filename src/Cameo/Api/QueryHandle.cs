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

    /// <summary>Live measurements.</summary>
    public QueryMetrics Metrics => _context.Metrics;

    /// <summary>A snapshot of <see cref="Metrics"/>.</summary>
    public QueryStats Stats => Metrics.Snapshot();

    /// <summary>Inputs the sources could not read.</summary>
    public IReadOnlyCollection<DeadLetter> DeadLetters => Metrics.DeadLetters;

    /// <summary>Stops the query's sources; open windows are flushed and <see cref="Completion"/> follows.</summary>
    public void Stop() => _run.Stop();

    public override string ToString() => $"{Name} (target {LatencyTarget.TotalMilliseconds} ms)";
}
