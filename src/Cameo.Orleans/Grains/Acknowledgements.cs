using Cameo.Scheduling;
using Cameo.Scheduling.Core;

namespace Cameo.Orleans.Grains;

/// <summary>
/// Flow control between instance grains. One-way calls bypass Orleans' backpressure, so each
/// instance holds <see cref="Credits"/>: at most so many of the messages it sent may be
/// unacknowledged before its source stops reading or its pump stops taking turns. Receivers
/// gather what they processed per sender and acknowledge once per turn (<see cref="Flush"/>), with
/// their latest reply context (cost, and the critical path below) and as many credits back.
/// </summary>
/// <param name="capacity">Most unacknowledged messages this instance may have sent.</param>
internal sealed class Acknowledgements(int capacity)
{
    private readonly Dictionary<int, (ReplyContext Reply, int Messages)> _pending = [];

    /// <summary>This instance's credits for the messages it sends.</summary>
    public CreditGate Credits { get; } = new(capacity);

    /// <summary>A message this instance sent is on its way.</summary>
    public void Sent() => Credits.Add();

    /// <summary><paramref name="messages"/> messages this instance sent were acknowledged.</summary>
    public void Acknowledged(int messages)
    {
        for (int i = 0; i < messages; i++) Credits.Done();
    }

    /// <summary>A message from <paramref name="sender"/> was processed here; <paramref name="reply"/> is this instance's latest reply context.</summary>
    public void Processed(int sender, in ReplyContext reply)
    {
        _pending.TryGetValue(sender, out var pending);
        _pending[sender] = (reply, pending.Messages + 1);
    }

    /// <summary>Acknowledges, once per sender, everything processed since the last flush: the latest reply context, and all the credits.</summary>
    public void Flush(Func<int, IInstanceGrain> instance)
    {
        if (_pending.Count == 0) return;
        foreach (var (sender, (reply, messages)) in _pending) instance(sender).Ack(reply, messages);
        _pending.Clear();
    }
}
