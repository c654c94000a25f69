using System.Diagnostics;

namespace Cameo.Orleans.Scheduling;

/// <summary>
/// Offers a turn holder's core to the OS between messages, at most every <see cref="Interval"/>.
/// </summary>
/// <remarks>
/// Turn holders are CPU-bound while they have work, and Orleans delivers every message on other
/// pool threads, which only wake up: with every core held by a turn, the OS lets a woken thread
/// wait for the running one's time slice, milliseconds, and the OS knows no deadlines. That wait
/// landed on latency-sensitive messages at every hop (and on sources woken by the pacer): LS p99
/// on the 2-silo multi-tenant bench was 8.7 ms without yielding, 5.7 ms with it. A yield hands the
/// core over at once, and returns at once if nothing waits; rationing it bounds the cost on short
/// messages to one system call per interval.
/// </remarks>
internal struct CoreYield
{
    /// <summary>Longest a turn holder runs messages without offering its core.</summary>
    public static readonly long Interval = Stopwatch.Frequency / 2000; // 0.5 ms

    private long _last;

    /// <summary>Call after each message.</summary>
    public void AfterMessage()
    {
        if (Stopwatch.GetTimestamp() - _last < Interval) return;
        Thread.Yield();
        _last = Stopwatch.GetTimestamp();
    }
}
