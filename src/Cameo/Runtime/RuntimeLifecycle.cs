namespace Cameo.Runtime;

/// <summary>
/// The lifecycle every runtime gives its queries: a query deployed before <see cref="Start"/>
/// launches with the runtime, one deployed after launches at once; stopping stops every query's
/// sources and lets what is in flight drain for a while. Thread-safe.
/// </summary>
/// <typeparam name="TQuery">The runtime's deployed queries.</typeparam>
/// <param name="launch">Gets a deployed query going on the started runtime (its sources, at least).</param>
public sealed class RuntimeLifecycle<TQuery>(Action<TQuery> launch) where TQuery : class, IDeployedQuery
{
    private readonly List<TQuery> _queries = [];
    private volatile bool _started;
    private volatile bool _stopping;

    /// <summary>True once <see cref="Start"/> ran.</summary>
    public bool Started => _started;

    /// <summary>True once <see cref="StopAsync"/> was called.</summary>
    public bool Stopping => _stopping;

    /// <summary>Adds a deployed query; launches it if the runtime has started.</summary>
    public TQuery Deploy(TQuery query)
    {
        lock (_queries)
        {
            _queries.Add(query);
            if (_started) launch(query);
        }
        return query;
    }

    /// <summary>Starts the runtime: <paramref name="starting"/> first (the runtime's own threads), then every query deployed so far.</summary>
    /// <returns>False if it had started already (nothing done).</returns>
    public bool Start(Action? starting = null)
    {
        lock (_queries)
        {
            if (_started) return false;
            _started = true;
            starting?.Invoke();
            foreach (var q in _queries) launch(q);
            return true;
        }
    }

    /// <summary>
    /// Stops every query's sources, then waits until they have all completed (or failed), for at
    /// most <paramref name="drain"/>, and aborts the queries still running then (they fail with a
    /// <see cref="TimeoutException"/>, their sinks are aborted); queries of a runtime that never
    /// started are not waited for, since nothing would process them. Returns the queries, for the
    /// runtime to stop its own threads.
    /// </summary>
    public async Task<IReadOnlyList<TQuery>> StopAsync(TimeSpan drain)
    {
        TQuery[] queries;
        lock (_queries)
        {
            _stopping = true;
            queries = [.. _queries];
        }
        foreach (var q in queries) q.Stop();
        if (_started)
        {
            var ended = Task.WhenAll(queries.Select(q => q.Completion));
            await Task.WhenAny(ended, Task.Delay(drain)).ConfigureAwait(false);
            foreach (var q in queries)
                if (!q.Completion.IsCompleted)
                    q.Abort(new TimeoutException($"The query did not drain within {drain.TotalSeconds:0.###} s of being stopped; its sinks were closed without the rest."));
        }
        return queries;
    }
}
