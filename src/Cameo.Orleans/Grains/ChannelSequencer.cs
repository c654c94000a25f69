using System.Diagnostics.CodeAnalysis;
using Cameo.Orleans.Wire;

namespace Cameo.Orleans.Grains;

/// <summary>
/// Restores the send order of each input channel of an instance grain. Orleans does not promise
/// ordering between two grains, and a watermark must never overtake the records sent before it,
/// so senders number their envelopes per channel (<see cref="Envelope.Sequence"/>) and an envelope
/// that arrives early waits here for its predecessors.
/// </summary>
/// <param name="channels">The instance's input channels.</param>
internal sealed class ChannelSequencer(int channels)
{
    private readonly long[] _expected = new long[Math.Max(1, channels)];
    private readonly Dictionary<(int Channel, long Sequence), Envelope> _early = [];

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
