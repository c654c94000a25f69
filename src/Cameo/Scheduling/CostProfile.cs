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
    private long _busyTicks;
    private long _records;

    /// <summary>Average cost of one message, in ticks.</summary>
    public long PerMessage => Volatile.Read(ref _perMessageTicks);

    /// <summary>How many messages have been measured.</summary>
    public long Samples => Volatile.Read(ref _samples);

    /// <summary>Time spent processing, in ticks, over every message measured.</summary>
    public long BusyTicks => Volatile.Read(ref _busyTicks);

    /// <summary>Records carried by every message measured.</summary>
    public long Records => Volatile.Read(ref _records);

    /// <summary>Adds a message of <paramref name="records"/> records that took <paramref name="elapsedTicks"/> to process.</summary>
    public void Record(long elapsedTicks, int records = 0)
    {
        Volatile.Write(ref _busyTicks, _busyTicks + elapsedTicks);
        Volatile.Write(ref _records, _records + records);
        long current = _perMessageTicks;
        long next = _samples == 0 ? elapsedTicks : current + (long)((elapsedTicks - current) * Alpha);
        Volatile.Write(ref _perMessageTicks, next);
        Volatile.Write(ref _samples, _samples + 1);
    }
}
