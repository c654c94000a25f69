using System.Diagnostics;

namespace Cameo.Runtime;

/// <summary>
/// Wakes paced sources when their next events are due, at about a millisecond's precision.
/// </summary>
/// <remarks>
/// .NET timers (and so <c>Task.Delay</c>) fire in coarser steps on some kernels: 4.3 ms for a 1 ms
/// delay was measured on these machines, against 1.1 ms for <see cref="Thread.Sleep(int)"/>. A
/// source polled every 4 ms adds those milliseconds to every latency-sensitive output. So on the
/// system clock one background thread sleeps in 1 ms steps while anything waits, and releases the
/// waiters that are due; the continuations run on the thread pool. Other clocks (fakes in tests)
/// keep their own timers.
/// <para>
/// That thread only runs when the OS gives it a core. With every core busy, a woken thread waits
/// for a running one's time slice, milliseconds that land on the paced source's events. So the
/// embedded runtime's workers also release due waiters between messages (<see cref="NextDue"/>,
/// <see cref="ReleaseDue"/>), as an event loop fires its timers: a due source then waits at most
/// for the message in progress. Whoever sees a waiter due first releases it, once.
/// </para>
/// </remarks>
internal sealed class Pacer
{
    private static readonly Pacer Shared = new();
    private readonly PriorityQueue<Waiter, long> _waiters = new();
    private readonly object _lock = new();
    private Thread? _thread;
    private long _nextDue = long.MaxValue;

    /// <summary>When the earliest waiter on the system clock is due (<see cref="Stopwatch"/> ticks), or <see cref="long.MaxValue"/>; read without a lock.</summary>
    public static long NextDue => Volatile.Read(ref Shared._nextDue);

    /// <summary>Releases the waiters due by now; their continuations are queued, not run here.</summary>
    public static void ReleaseDue() => Shared.Release(_dueScratch ??= []);

    [ThreadStatic] private static List<Waiter>? _dueScratch;

    /// <summary>Completes after <paramref name="delay"/> on <paramref name="clock"/>.</summary>
    public static Task DelayAsync(TimeSpan delay, TimeProvider clock, CancellationToken cancellationToken) =>
        ReferenceEquals(clock, TimeProvider.System) ? Shared.Wait(delay, cancellationToken) : Task.Delay(delay, clock, cancellationToken);

    private Task Wait(TimeSpan delay, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested) return Task.FromCanceled(cancellationToken);
        var waiter = new Waiter();
        if (cancellationToken.CanBeCanceled)
            waiter.Registration = cancellationToken.UnsafeRegister(static w => ((Waiter)w!).TrySetCanceled(), waiter);
        long due = Stopwatch.GetTimestamp() + (long)(delay.TotalSeconds * Stopwatch.Frequency);
        lock (_lock)
        {
            _waiters.Enqueue(waiter, due);
            if (due < _nextDue) Volatile.Write(ref _nextDue, due);
            if (_thread is null)
            {
                _thread = new Thread(Run) { IsBackground = true, Name = "cameo-pacer" };
                _thread.Start();
            }
            else if (_waiters.Count == 1)
            {
                Monitor.Pulse(_lock);
            }
        }
        return waiter.Task;
    }

    private void Run()
    {
        var due = new List<Waiter>();
        while (true)
        {
            lock (_lock)
            {
                while (_waiters.Count == 0) Monitor.Wait(_lock);
            }
            Release(due);
            Thread.Sleep(1);
        }
    }

    /// <summary>Takes the waiters due by now under the lock, then completes them outside it.</summary>
    private void Release(List<Waiter> due)
    {
        lock (_lock)
        {
            long now = Stopwatch.GetTimestamp();
            while (_waiters.TryPeek(out var waiter, out long at) && at <= now)
            {
                _waiters.Dequeue();
                due.Add(waiter);
            }
            Volatile.Write(ref _nextDue, _waiters.TryPeek(out _, out long next) ? next : long.MaxValue);
        }
        foreach (var waiter in due)
        {
            waiter.TrySetResult();
            waiter.Registration.Dispose(); // a long-lived token must not keep every past wait registered
        }
        due.Clear();
    }

    /// <summary>A wait, and its registration on the waiter's cancellation token (disposed when the wait is due).</summary>
    private sealed class Waiter() : TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)
    {
        public CancellationTokenRegistration Registration;
    }
}
