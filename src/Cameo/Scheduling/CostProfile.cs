namespace Cameo.Scheduling;

/// <summary>
/// An operator instance's own profiled cost: exponential moving averages of the time it takes to
/// process one message, one record of a data message, and one result of a window firing. Written
/// only by the instance itself; read by whoever builds contexts or sizes messages.
/// </summary>
/// <remarks>
/// The per-record cost sizes the messages sent to this instance (see <see cref="ReplyContext.RecordCost"/>);
/// the per-result cost sizes the slices of its own window firings. Both are in ticks, as doubles,
/// since a cheap operator spends a fraction of a tick per record.
/// </remarks>
public sealed class CostProfile
{
    /// <summary>Weight of a new sample; about the last 32 messages dominate, as in the paper's moving window.</summary>
    private const double Alpha = 1.0 / 32;
    private long _perMessageTicks;
    private long _samples;
    private double _perRecord;
    private double _perResult;
    private long _busyTicks;
    private long _records;
    private long _firingTicks;
    private long _results;

    /// <summary>Average cost of one message, in ticks.</summary>
    public long PerMessage => Volatile.Read(ref _perMessageTicks);

    /// <summary>How many messages have been measured.</summary>
    public long Samples => Volatile.Read(ref _samples);

    /// <summary>Average cost of one record of a data message, in ticks; 0 until a data message was measured.</summary>
    public double PerRecord => Volatile.Read(ref _perRecord);

    /// <summary>Average cost of emitting one result of a window firing, in ticks; 0 until a firing was measured.</summary>
    public double PerResult => Volatile.Read(ref _perResult);

    /// <summary>Time spent processing, in ticks, over every message measured.</summary>
    public long BusyTicks => Volatile.Read(ref _busyTicks);

    /// <summary>Records carried by every message measured.</summary>
    public long Records => Volatile.Read(ref _records);

    /// <summary>Of <see cref="BusyTicks"/>, the time spent emitting firings' results.</summary>
    public long FiringTicks => Volatile.Read(ref _firingTicks);

    /// <summary>Results every measured firing slice emitted.</summary>
    public long Results => Volatile.Read(ref _results);

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

    /// <summary>A data message of <paramref name="records"/> records took <paramref name="elapsedTicks"/> (its firings not included).</summary>
    public void RecordRecords(long elapsedTicks, int records)
    {
        if (records > 0) Volatile.Write(ref _perRecord, Average(_perRecord, (double)elapsedTicks / records));
    }

    /// <summary>A slice of window firings emitted <paramref name="results"/> results in <paramref name="elapsedTicks"/>.</summary>
    public void RecordResults(long elapsedTicks, int results)
    {
        if (results <= 0) return;
        Volatile.Write(ref _firingTicks, _firingTicks + elapsedTicks);
        Volatile.Write(ref _results, _results + results);
        Volatile.Write(ref _perResult, Average(_perResult, (double)elapsedTicks / results));
    }

    /// <summary>Writes the averages (per message, per record, per result): what a restarted instance schedules with until it has measured itself.</summary>
    public void Save(BinaryWriter writer)
    {
        writer.Write(PerMessage);
        writer.Write(PerRecord);
        writer.Write(PerResult);
    }

    /// <summary>Resumes from what <see cref="Save"/> wrote, as one sample.</summary>
    public void Restore(BinaryReader reader)
    {
        Volatile.Write(ref _perMessageTicks, reader.ReadInt64());
        Volatile.Write(ref _perRecord, reader.ReadDouble());
        Volatile.Write(ref _perResult, reader.ReadDouble());
        Volatile.Write(ref _samples, Math.Max(1, _samples));
    }

    /// <summary>
    /// How many units (records, results) of <paramref name="unitCost"/> ticks fit in <paramref name="bound"/>
    /// ticks: at least 1, at most <paramref name="cap"/>, and <paramref name="cap"/> while the cost is unknown.
    /// </summary>
    public static int UnitsWithin(long bound, double unitCost, int cap)
    {
        if (unitCost <= 0) return cap;
        double units = bound / unitCost;
        return units >= cap ? cap : units < 1 ? 1 : (int)units;
    }

    private static double Average(double current, double sample) => current == 0 ? sample : current + (sample - current) * Alpha;
}
