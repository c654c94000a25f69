using System.Diagnostics.CodeAnalysis;
using Cameo.Orleans.Wire;

namespace Cameo.Orleans.Grains;

/// <summary>What <see cref="ChannelSequencer.Accept"/> found an arriving envelope to be.</summary>
internal enum Arrival
{
    /// <summary>The next on its channel: process it, then the ones <see cref="ChannelSequencer.TryNext"/> returns.</summary>
    Next,

    /// <summary>Ahead of a predecessor that has not arrived: kept until it has.</summary>
    Early,

    /// <summary>Arrived before (a sender's resend): dropped, untouched.</summary>
    Duplicate,
}

/// <summary>
/// Keeps the channel from each sender instance to this receiver in send order, exactly once. Orleans
/// does not promise ordering between two grains, and a watermark must never overtake the records
/// sent before it, so a sender numbers its envelopes per receiver (<see cref="Outbox"/>, carried as
/// <see cref="Envelope.Sequence"/>), and a receiver holds an envelope that arrives early until its
/// predecessors have arrived (<see cref="Accept"/>, <see cref="TryNext"/>). An envelope that arrives
/// again (the sender resent it after a lost call) is recognized by its number and dropped.
/// </summary>
/// <param name="senders">The query's instances (any of them may send here, by index).</param>
internal sealed class ChannelSequencer(int senders)
{
    private readonly long[] _expected = new long[Math.Max(1, senders)];
    private readonly Dictionary<(int Sender, long Sequence), Envelope> _early = [];

    /// <summary>Envelopes that arrived ahead of a predecessor.</summary>
    public int Waiting => _early.Count;

    /// <summary>How many envelopes from <paramref name="sender"/> have arrived in order: every one numbered below it.</summary>
    public long Accepted(int sender) => _expected[sender];

    /// <summary>
    /// Files <paramref name="envelope"/>: <see cref="Arrival.Next"/> if it may be processed now (and so
    /// may the ones <see cref="TryNext"/> then returns), <see cref="Arrival.Early"/> if it is kept until
    /// its predecessors arrive, <see cref="Arrival.Duplicate"/> if it arrived before.
    /// </summary>
    public Arrival Accept(Envelope envelope)
    {
        int sender = envelope.Header.Sender;
        long expected = _expected[sender];
        if (envelope.Sequence < expected) return Arrival.Duplicate;
        if (envelope.Sequence > expected) return _early.TryAdd((sender, envelope.Sequence), envelope) ? Arrival.Early : Arrival.Duplicate;
        _expected[sender] = expected + 1;
        return Arrival.Next;
    }

    /// <summary>The kept envelope that comes next from <paramref name="sender"/>, if it has arrived.</summary>
    public bool TryNext(int sender, [NotNullWhen(true)] out Envelope? next)
    {
        if (!_early.Remove((sender, _expected[sender]), out next)) return false;
        _expected[sender]++;
        return true;
    }
}
