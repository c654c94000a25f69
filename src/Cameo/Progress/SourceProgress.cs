namespace Cameo.Progress;

/// <summary>
/// The progress one source instance makes: the watermark it generates (the largest event time seen
/// minus the out-of-orderness bound) and the arrival forecast it teaches, by sampling how far
/// arrivals trail event times.
/// </summary>
/// <param name="watermarkDelayMs">The source's out-of-orderness bound, in event-time milliseconds.</param>
/// <param name="estimator">The forecast this source teaches (registered with its query's <see cref="QueryFrontier"/>).</param>
public sealed class SourceProgress(long watermarkDelayMs, FrontierEstimator estimator)
{
    /// <summary>Every how many records the forecast is taught one sample (a lag changes slowly).</summary>
    private const int SampleEvery = 64;

    private long _maxEventTime = long.MinValue;

    public FrontierEstimator Estimator { get; } = estimator;

    /// <summary>The out-of-orderness bound, ms: how far the watermark trails the largest event time seen.</summary>
    public long DelayMs => watermarkDelayMs;

    /// <summary>The largest event time seen so far, or <see cref="long.MinValue"/>.</summary>
    public long MaxEventTime => _maxEventTime;

    /// <summary>The watermark this source has promised so far.</summary>
    public long Watermark => _maxEventTime == long.MinValue ? Progress.Watermark.None : _maxEventTime - watermarkDelayMs;

    /// <summary>Writes what <see cref="Restore(BinaryReader)"/> reads: the largest event time seen and the forecast's lag.</summary>
    public void Save(BinaryWriter writer)
    {
        writer.Write(_maxEventTime);
        writer.Write(Estimator.LagTicks);
    }

    /// <summary>Resumes from what <see cref="Save"/> wrote.</summary>
    public void Restore(BinaryReader reader) => Restore(reader.ReadInt64(), reader.ReadInt64());

    /// <summary>Resumes from a saved <see cref="MaxEventTime"/> (and the forecast's lag), so the watermark goes on from where it was.</summary>
    public void Restore(long maxEventTime, long lagTicks)
    {
        _maxEventTime = maxEventTime;
        Estimator.Restore(lagTicks);
    }

    /// <summary>
    /// Takes in a batch's event times and the physical arrival of each record (or of all, if
    /// <paramref name="arrivals"/> is empty): moves the watermark and teaches the forecast.
    /// </summary>
    public void Observe(ReadOnlySpan<long> eventTimes, ReadOnlySpan<long> arrivals, long now)
    {
        long max = _maxEventTime;
        for (int i = 0; i < eventTimes.Length; i++)
        {
            long t = eventTimes[i];
            if (t > max) max = t;
            if (i % SampleEvery == 0) Estimator.Observe(t, arrivals.IsEmpty ? now : arrivals[i]);
        }
        _maxEventTime = max;
    }
}
