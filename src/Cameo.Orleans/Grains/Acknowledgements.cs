using Cameo.Orleans.Wire;
using Cameo.Scheduling;

namespace Cameo.Orleans.Grains;

/// <summary>
/// The receiving side of flow control between instance grains: what this instance processed of each
/// sender's messages. It acknowledges once per sender and turn (<see cref="Flush"/>) with cumulative
/// counts (<see cref="DeliveryProgress"/>) and its latest reply context, so a lost acknowledgement is
/// repaired by the next one, or by the answer to the sender's <see cref="Progress"/> query.
/// </summary>
/// <param name="sequencer">The instance's re-sequencing, which knows what arrived from each sender.</param>
/// <param name="senders">The query's instances.</param>
internal sealed class Acknowledgements(ChannelSequencer sequencer, int senders)
{
    private readonly long[] _processed = new long[senders];
    private readonly ReplyContext[] _replies = new ReplyContext[senders];
    private readonly bool[] _unacknowledged = new bool[senders];
    private readonly List<int> _pending = [];

    /// <summary>A message from <paramref name="sender"/> was processed here; <paramref name="reply"/> is this instance's latest reply context.</summary>
    public void Processed(int sender, in ReplyContext reply)
    {
        _processed[sender]++;
        _replies[sender] = reply;
        if (_unacknowledged[sender]) return;
        _unacknowledged[sender] = true;
        _pending.Add(sender);
    }

    /// <summary>Where this instance stands with <paramref name="sender"/>'s messages.</summary>
    public DeliveryProgress Progress(int sender, bool blocked) => new(sequencer.Accepted(sender), _processed[sender], _replies[sender], blocked);

    /// <summary>Acknowledges, once per sender, everything processed since the last flush.</summary>
    public void Flush(Action<int, DeliveryProgress> acknowledge)
    {
        if (_pending.Count == 0) return;
        foreach (int sender in _pending)
        {
            _unacknowledged[sender] = false;
            acknowledge(sender, Progress(sender, blocked: false));
        }
        _pending.Clear();
    }
}
