using System.Diagnostics.CodeAnalysis;
using Cameo.Orleans.Wire;

namespace Cameo.Orleans.Grains;

/// <summary>
/// Keeps each channel between two instance grains in send order. Orleans does not promise ordering
/// between two grains, and a watermark must never overtake the records sent before it, so a sender
/// numbers its envelopes per receiver and channel (<see cref="Number"/>, carried as
/// <see cref="Envelope.Sequence"/>), and a receiver holds an envelope that arrives early until its
/// predecessors have arrived (<see cref="Accept"/>, <see cref="TryNext"/>).
/// </summary>
/// <param name="channels">The instance's input channels.</param>
internal sealed class ChannelSequencer(int channels)
{
    private readonly long[] _expected = new long[Math.Max(1, channels)];
    private readonly Dictionary<(int Channel, long Sequence), Envelope> _early = [];
    private readonly Dictionary<(int Target, int Channel), long> _sent = [];

    /// <summary>The sequence number of the next envelope this instance sends to instance <paramref name="target"/> on <paramref name="channel"/>: 0, 1, 2, ...</summary>
    public long Number(int target, int channel)
    {
        var key = (target, channel);
        _sent.TryGetValue(key, out long sequence);
        _sent[key] = sequence + 1;
        return sequence;
    }

    /// <summary>Envelopes that arrived ahead of a predecessor.</summary>
    public int Waiting => _early.Count;

    /// <summary>
    /// True if <paramref name="envelope"/> is the next on its channel: it may be processed now, and so
    /// may the ones <see cref="TryNext"/> then returns. False: it is kept until its predecessors arrive.
    /// </summary>
    public bool Accept(Envelope envelope)
    {
        int channel = envelope.Message.Channel;
        if (envelope.Sequence != _expected[channel])
        {
            _early[(channel, envelope.Sequence)] = envelope;
            return false;
        }
        _expected[channel]++;
        return true;
    }

    /// <summary>The kept envelope that comes next on <paramref name="channel"/>, if it has arrived.</summary>
    public bool TryNext(int channel, [NotNullWhen(true)] out Envelope? next)
    {
        if (!_early.Remove((channel, _expected[channel]), out next)) return false;
        _expected[channel]++;
        return true;
    }
}
