namespace Cameo.Scheduling;

/// <summary>
/// An operator instance's own profiled cost: an exponential moving average of the time it takes to
/// process one message. Written only by the instance itself; read by whoever builds contexts.
/// </summary>
public sealed class CostProfile
{
    /// <summary>Weight of a new sample; about the last 32 messages dominate, as in the paper's moving window.</summary>
    private const double Alpha = 1.0 / 32;
    private long _perMessageTicks;
    private long _samples;

    /// <summary>Average cost of one message, in ticks.</summary>
    public long PerMessage => Volatile.Read(ref _perMessageTicks);

    /// <summary>How many messages have been measured.</summary>
    public long Samples => Volatile.Read(ref _samples);

    public void Record(long elapsedTicks)
    {
        long current = _perMessageTicks;
        long next = _samples == 0 ? elapsedTicks : current + (long)((elapsedTicks - current) * Alpha);
        Volatile.Write(ref _perMessageTicks, next);
        Volatile.Write(ref _samples, _samples + 1);
    }
}
