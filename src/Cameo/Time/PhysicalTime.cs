namespace Cameo.Time;

/// <summary>
/// Conversions between the two time domains Cameo works in.
/// Physical time is wall-clock UTC in <see cref="TimeSpan"/> ticks (100 ns), read from the engine's
/// <see cref="TimeProvider"/>. Event time is what the user's records say, in Unix milliseconds.
/// Keeping both as plain <see cref="long"/> keeps the per-message arithmetic free of allocations;
/// this file is the one place that knows how they relate.
/// </summary>
public static class PhysicalTime
{
    private static readonly long UnixEpochTicks = DateTimeOffset.UnixEpoch.UtcTicks;

    /// <summary>The current physical time of <paramref name="clock"/>, in ticks.</summary>
    public static long Now(TimeProvider clock) => clock.GetUtcNow().UtcTicks;

    /// <summary>Physical ticks of the instant whose Unix-millisecond value is <paramref name="eventTimeMs"/>.</summary>
    public static long FromEventTime(long eventTimeMs) => eventTimeMs * TimeSpan.TicksPerMillisecond + UnixEpochTicks;

    /// <summary>Unix milliseconds of the physical instant <paramref name="ticks"/>.</summary>
    public static long ToEventTime(long ticks) => (ticks - UnixEpochTicks) / TimeSpan.TicksPerMillisecond;

    /// <summary>Milliseconds, as a double, of a tick duration (for reports).</summary>
    public static double ToMilliseconds(long ticks) => ticks / (double)TimeSpan.TicksPerMillisecond;
}
