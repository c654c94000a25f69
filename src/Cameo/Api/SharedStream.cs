using Cameo.Execution;

namespace Cameo;

/// <summary>
/// A stream defined once on the engine (<see cref="CameoEngine.Stream{T}"/>) and read by several
/// queries (<see cref="QueryBuilder.From{T}(SharedStream{T})"/>): its source is read, and its
/// operators (a parse, a filter, event times) run, once for all of them.
/// </summary>
/// <remarks>
/// Each message of the shared part carries the most urgent of the priority contexts it would carry
/// in each query that reads it (the earliest start deadline, by that query's target, window paths
/// and costs: <see cref="Scheduling.ContextConverter.MostUrgent"/>); past the hand-over every query's
/// messages carry its own. Every query keeps its own metrics, failure and completion: one that fails
/// is detached and the others go on being fed. The shared part fails its readers if it fails.
/// </remarks>
public sealed class SharedStream<T>
{
    internal SharedStream(SharedFeed<T> feed, Runtime.IDeployedQuery run)
    {
        Feed = feed;
        Run = run;
    }

    internal SharedFeed<T> Feed { get; }
    internal Runtime.IDeployedQuery Run { get; }

    public string Name => Feed.Name;

    /// <summary>Completes when the shared part has ended and handed its last records over; faults if it failed.</summary>
    public Task Completion => Run.Completion;
}
