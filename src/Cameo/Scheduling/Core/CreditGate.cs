namespace Cameo.Scheduling.Core;

/// <summary>
/// Credit-based flow control: bounds how many messages are in flight (sent, not yet processed)
/// for one sender or one query. Senders that may wait (sources, a grain's pump) wait here before
/// sending more, which is how overload turns into backpressure instead of memory; a worker
/// processing messages never waits. Once full, the gate opens again when a quarter of its capacity
/// is free, so waiters resume in batches rather than one message at a time.
/// </summary>
/// <remarks>
/// The embedded runtime keeps one gate per query (one query's backlog never stalls another's
/// sources); the Orleans runtime one per instance, credited back by acknowledgements.
/// </remarks>
/// <param name="capacity">Most messages in flight before <see cref="WaitAsync"/> waits.</param>
public sealed class CreditGate(int capacity)
{
    private readonly int _resumeAt = Math.Max(1, capacity * 3 / 4);
    private readonly object _lock = new();
    private int _inFlight;
    private TaskCompletionSource? _waiter;

    /// <summary>Messages in flight.</summary>
    public int InFlight => Volatile.Read(ref _inFlight);

    /// <summary>Most messages in flight before senders wait.</summary>
    public int Capacity => capacity;

    /// <summary>Whether a sender waits for the gate to open (it opens once a quarter of the capacity is free).</summary>
    public bool IsWaiting => Volatile.Read(ref _waiter) is not null;

    /// <summary>Whether the gate is full: a sender should wait before sending more.</summary>
    public bool IsFull => Volatile.Read(ref _inFlight) >= capacity;

    /// <summary>One more message is in flight (never waits: the caller has checked, or must send anyway).</summary>
    public void Add() => Interlocked.Increment(ref _inFlight);

    /// <summary>One message in flight was processed; opens the gate once enough are.</summary>
    public void Done()
    {
        int left = Interlocked.Decrement(ref _inFlight);
        if (left <= _resumeAt && Volatile.Read(ref _waiter) is not null) Open();
    }

    /// <summary>Completes when there is room for more messages.</summary>
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

    /// <summary>Lets every waiting sender go (also used when the query stops, so nothing waits forever).</summary>
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
