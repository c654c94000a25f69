using Cameo.Time;

namespace Cameo.Progress;

/// <summary>
/// Predicts when, in physical time, an event with a given event time will arrive.
/// </summary>
/// <remarks>
/// Cameo measures a windowed output's latency from the arrival of the event that closes its window,
/// so a message that feeds a window closing in 10 s has a frontier 10 s away. To know that arrival
/// time before it happens, each source keeps a moving average of the observed lag
/// <c>arrival - eventTime</c>; an event time <c>t</c> is then expected to arrive at <c>t + lag</c>.
/// Updates come from the source instance only; readers on other threads see a slightly stale lag,
/// which is harmless (a long is written atomically on 64-bit platforms).
/// </remarks>
public sealed class FrontierEstimator : IFrontierSource
{
    private const double Alpha = 1.0 / 64;
    private long _lagTicks;
    private bool _hasSample;

    /// <summary>The current estimate of <c>arrival - eventTime</c>, in ticks.</summary>
    public long LagTicks => Volatile.Read(ref _lagTicks);

    /// <summary>Records that an event stamped <paramref name="eventTimeMs"/> arrived at <paramref name="arrivalTicks"/>.</summary>
    public void Observe(long eventTimeMs, long arrivalTicks)
    {
        long sample = arrivalTicks - PhysicalTime.FromEventTime(eventTimeMs);
        if (!_hasSample)
        {
            _hasSample = true;
            Volatile.Write(ref _lagTicks, sample);
            return;
        }
        long lag = _lagTicks;
        Volatile.Write(ref _lagTicks, lag + (long)((sample - lag) * Alpha));
    }

    /// <summary>Resumes from a saved <see cref="LagTicks"/> (a checkpoint's), as if it had been observed.</summary>
    public void Restore(long lagTicks)
    {
        _hasSample = true;
        Volatile.Write(ref _lagTicks, lagTicks);
    }

    /// <summary>The physical time at which an event stamped <paramref name="eventTimeMs"/> is expected to arrive.</summary>
    public long ExpectedArrival(long eventTimeMs) =>
        eventTimeMs >= Watermark.EndOfStream / TimeSpan.TicksPerMillisecond / 2
            ? long.MaxValue / 2
            : PhysicalTime.FromEventTime(eventTimeMs) + LagTicks;
}

/// <summary>Predicts the physical arrival of an event from its event time.</summary>
public interface IFrontierSource
{
    /// <summary>Expected physical arrival, in ticks, of an event stamped <paramref name="eventTimeMs"/>.</summary>
    long ExpectedArrival(long eventTimeMs);
}
