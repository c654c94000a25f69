namespace Cameo.Runtime;

/// <summary>
/// How a deployed query ends, whatever runs it: it completes when every sink instance has seen the
/// end of its input, and fails, with a <see cref="QueryFailedException"/> naming where, at its
/// first failure (later ones are ignored: the first is the cause). Thread-safe.
/// </summary>
/// <param name="query">The query's name, for the failure's message.</param>
/// <param name="sinks">Sink instances that must end before the query is complete.</param>
/// <param name="ending">
/// Runs once when the query ends, before <see cref="Task"/> completes: with true when every sink
/// ended, false when the query failed (see <see cref="Execution.QueryContext.RunEndActionsAsync"/>).
/// If it throws, a query that had completed fails with its error.
/// </param>
public sealed class QueryCompletion(string query, int sinks, Func<bool, Task>? ending = null)
{
    private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private QueryFailedException? _failure;
    private int _sinksLeft = sinks;
    private int _ended;

    /// <summary>Completes when the query has; faults with <see cref="Failure"/> when it fails.</summary>
    public Task Task => _done.Task;

    /// <summary>The first failure, or null.</summary>
    public QueryFailedException? Failure => Volatile.Read(ref _failure);

    /// <summary>Whether the query has failed.</summary>
    public bool IsFailed => Failure is not null;

    /// <summary>A sink instance saw the end of its input; the last one completes the query.</summary>
    public void SinkEnded()
    {
        if (Interlocked.Decrement(ref _sinksLeft) == 0) End(null);
    }

    /// <summary>The query is over without failure, whatever its sinks (it never started, or its runtime says so).</summary>
    public void Complete() => End(null);

    /// <summary>Fails the query.</summary>
    /// <param name="where">The operator's name, or null for the query's runtime.</param>
    /// <param name="error">What went wrong.</param>
    /// <param name="stopping">
    /// Runs at the first failure, before <see cref="Task"/> faults: whoever awaits the query sees
    /// what it stopped (sinks flushed and closed) already done.
    /// </param>
    /// <remarks>Only the first failure counts; later ones are ignored.</remarks>
    public void Fail(string? where, Exception error, Action<QueryFailedException>? stopping = null)
    {
        var failure = new QueryFailedException(query, where, error);
        if (Interlocked.CompareExchange(ref _failure, failure, null) is not null) return;
        try
        {
            stopping?.Invoke(failure);
        }
        finally
        {
            End(failure);
        }
    }

    /// <summary>Runs the ending once (the first of completion and failure), then settles <see cref="Task"/>.</summary>
    private void End(QueryFailedException? failure)
    {
        if (Interlocked.Exchange(ref _ended, 1) != 0) return;
        if (ending is null) Settle(failure);
        else _ = EndAsync(failure);
    }

    private async Task EndAsync(QueryFailedException? failure)
    {
        try
        {
            await ending!(failure is null).ConfigureAwait(false);
        }
        catch (Exception ex) when (failure is null)
        {
            failure = new QueryFailedException(query, null, ex);
            Interlocked.CompareExchange(ref _failure, failure, null);
        }
        catch (Exception)
        {
            // the query had failed already: that failure is the cause
        }
        Settle(Failure ?? failure);
    }

    private void Settle(QueryFailedException? failure)
    {
        if (failure is null) _done.TrySetResult();
        else _done.TrySetException(failure);
    }
}

/// <summary>A query stopped because one of its operators (or sources) threw. Other queries keep running.</summary>
public sealed class QueryFailedException(string query, string? operatorName, Exception inner)
    : Exception($"Query '{query}' failed{(operatorName is null ? "" : $" in {operatorName}")}: {inner.Message}", inner)
{
    public string Query { get; } = query;
    public string? Operator { get; } = operatorName;
}
