namespace Cameo.Runtime;

/// <summary>
/// Bounds how many messages one query may have in flight. Sources wait here before injecting
/// more, which is how overload turns into backpressure instead of memory; each query has its own
/// gate, so one query's backlog never stalls another's sources. Workers never wait.
/// </summary>
internal sealed class CreditGate(int capacity)
{
    private readonly int _resumeAt = Math.Max(1, capacity * 3 / 4);
    private readonly object _lock = new();
    private int _inFlight;
    private TaskCompletionSource? _waiter;

    public int InFlight => Volatile.Read(ref _inFlight);

    public int Capacity => capacity;

    public void Add() => Interlocked.Increment(ref _inFlight);

    public void Done()
    {
        int left = Interlocked.Decrement(ref _inFlight);
        if (left <= _resumeAt && Volatile.Read(ref _waiter) is not null) Open();
    }

    /// <summary>Completes when the query has room for more input.</summary>
    public ValueTask WaitAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _inFlight) < capacity) return ValueTask.CompletedTask;
        Task wait;
        lock (_lock)
        {
            _waiter ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            wait = _waiter.Task;
        }
        if (Volatile.Read(ref _inFlight) <= _resumeAt) Open(); // drained while we were getting ready to wait
        return new ValueTask(wait.WaitAsync(cancellationToken));
    }

    /// <summary>Lets every waiting source go (also used when the query stops).</summary>
    public void Open()
    {
        TaskCompletionSource? waiter;
        lock (_lock)
        {
            waiter = _waiter;
            _waiter = null;
        }
        waiter?.TrySetResult();
    }
}
