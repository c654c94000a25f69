using Cameo.Dataflow;
using Cameo.Execution;

namespace Cameo.Runtime;

/// <summary>
/// Where a <see cref="CameoEngine"/>'s queries run: the embedded worker pool by default, a
/// thread-per-instance baseline, or an Orleans cluster (package Cameo.Orleans). A runtime owns
/// placement and scheduling; it builds instances with <see cref="HostFactory"/>, so operators,
/// policies and context conversion are the same everywhere.
/// </summary>
public interface IQueryRuntime : IAsyncDisposable
{
    /// <summary>Short name for reports (e.g. <c>embedded</c>, <c>slots</c>, <c>orleans</c>).</summary>
    string Name { get; }

    /// <summary>Threads (or turns) that process messages.</summary>
    int Workers { get; }

    /// <summary>Fraction of worker time spent processing messages since start or the last reset.</summary>
    double Utilization { get; }

    void ResetUtilization();

    /// <summary>
    /// Priority inversion since start or the last <see cref="ResetUtilization"/>: for every message,
    /// the time between its enqueue and its start during which some worker ran a lower-ranked
    /// message (see <see cref="Scheduling.Core.PriorityInversionMeter"/>). The embedded runtime
    /// measures it on its workers, the Orleans runtime on the turns of its process's silos;
    /// <see cref="Metrics.PriorityInversion.None"/> where the runtime does not measure it (slots).
    /// </summary>
    Metrics.PriorityInversion PriorityInversion => Metrics.PriorityInversion.None;

    /// <summary>Deploys a query; it starts with the runtime, or at once if the runtime runs.</summary>
    IDeployedQuery Deploy(QueryContext context, PhysicalPlan plan, DeployOptions options);

    void Start();

    /// <summary>Stops every query's sources and waits up to <paramref name="drain"/> for what is in flight, then stops.</summary>
    Task StopAsync(TimeSpan drain);
}

/// <summary>Per-query settings a runtime needs.</summary>
/// <param name="BatchSize">Most records per message.</param>
/// <param name="MaxInFlightMessages">Most messages in flight before the query's sources wait.</param>
public sealed record DeployOptions(int BatchSize, int MaxInFlightMessages);

/// <summary>A query as a runtime runs it.</summary>
public interface IDeployedQuery
{
    /// <summary>Completes when every sink has seen the end of its input; faults with <see cref="QueryFailedException"/>.</summary>
    Task Completion { get; }

    Exception? Failure { get; }

    /// <summary>Messages waiting at the query's instances, or null where the runtime does not know.</summary>
    int? QueuedMessages => null;

    /// <summary>Messages in flight (sent, not yet processed), or null where the runtime does not know.</summary>
    int? CreditsInUse => null;

    /// <summary>Stops the sources; windows flush and <see cref="Completion"/> follows.</summary>
    void Stop();

    /// <summary>
    /// Gives the query up (it did not drain in time): fails it with <paramref name="reason"/> and
    /// aborts its sinks, so that nothing waits for it. Runtimes that cannot do so ignore it.
    /// </summary>
    void Abort(Exception reason) { }
}
