namespace Cameo.Progress;

/// <summary>
/// Tracks an operator instance's watermark as the minimum over its input channels, the way progress
/// is tracked in Timely Dataflow and Flink: an instance may only claim progress that every input has made.
/// Also remembers when the event that last moved the minimum arrived: window outputs released by
/// that move take it as their frontier.
/// </summary>
public sealed class InputProgress
{
    private readonly long[] _channels;
    private readonly bool[] _ended;
    private int _open;

    public InputProgress(int channelCount)
    {
        _channels = new long[channelCount];
        _ended = new bool[channelCount];
        Array.Fill(_channels, Watermark.None);
        _open = channelCount;
        Current = channelCount == 0 ? Watermark.EndOfStream : Watermark.None;
    }

    /// <summary>The minimum watermark over all channels.</summary>
    public long Current { get; private set; }

    /// <summary>Physical arrival time of the event whose watermark last advanced <see cref="Current"/>.</summary>
    public long CurrentArrival { get; private set; }

    /// <summary>True once every channel has ended.</summary>
    public bool AllEnded => _open == 0;

    /// <summary>Applies a channel's new watermark; returns true if the minimum advanced.</summary>
    public bool Advance(int channel, long watermark, long arrival)
    {
        if (watermark <= _channels[channel]) return false;
        _channels[channel] = watermark;
        long min = long.MaxValue;
        foreach (long w in _channels) if (w < min) min = w;
        if (min <= Current) return false;
        Current = min;
        CurrentArrival = arrival;
        return true;
    }

    /// <summary>Marks a channel as ended; returns true if that ended the last open channel.</summary>
    public bool End(int channel)
    {
        if (_ended[channel]) return false;
        _ended[channel] = true;
        _open--;
        return _open == 0;
    }
}
