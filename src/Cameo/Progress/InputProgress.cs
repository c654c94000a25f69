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

    /// <summary>True if <paramref name="channel"/> has ended.</summary>
    public bool IsEnded(int channel) => _ended[channel];

    /// <summary>Writes each channel's watermark and the minimum's arrival (not which channels ended: their ends come again on a replay).</summary>
    public void Save(BinaryWriter writer)
    {
        writer.Write(_channels.Length);
        foreach (long w in _channels) writer.Write(w);
        writer.Write(Current);
        writer.Write(CurrentArrival);
    }

    /// <summary>Reads what <see cref="Save"/> wrote, for the same number of channels.</summary>
    public void Restore(BinaryReader reader)
    {
        int count = reader.ReadInt32();
        if (count != _channels.Length) throw new InvalidDataException($"Saved input progress has {count} channels, the instance has {_channels.Length}.");
        for (int i = 0; i < count; i++) _channels[i] = reader.ReadInt64();
        Current = reader.ReadInt64();
        CurrentArrival = reader.ReadInt64();
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
