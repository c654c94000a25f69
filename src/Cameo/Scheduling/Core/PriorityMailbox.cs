using Cameo.Messages;

namespace Cameo.Scheduling.Core;

/// <summary>
/// An operator instance's priority mailbox: the second level of Cameo's scheduler. Not thread-safe:
/// the runtime guards it (a lock in the embedded runtime, the grain's turn in Orleans).
/// </summary>
/// <remarks>
/// <para><b>FIFO per channel.</b> Messages on one input channel are served in the order they were
/// enqueued: a watermark must never overtake the records sent before it, or those records would
/// turn late.</para>
/// <para><b>Channels by urgency.</b> Across channels the most urgent goes first; among equal ranks,
/// the message enqueued first.</para>
/// <para><b>Priority inheritance.</b> A channel's urgency is the best rank of anything it holds, so
/// an urgent watermark pulls the records queued before it along. Kept in O(1) per operation with a
/// monotonic deque of ranks per channel; finding the best channel scans the channels.</para>
/// <para><b>Inherited rank.</b> A more urgent sender blocked on this instance's progress (a shared
/// stream waiting for a lax reader's credits) lends it its rank: <see cref="InheritedRank"/> caps
/// <see cref="BestRank"/>, so the instance is scheduled as urgently as the work it holds up, while
/// the order of its own messages stays as above.</para>
/// </remarks>
public sealed class PriorityMailbox
{
    private readonly record struct Entry(Message Message, long Rank, long Seq, long EnqueuedAt);

    private sealed class ChannelQueue
    {
        public RingBuffer<Entry> Messages = new(16);
        public RingBuffer<Entry> MinRanks = new(16); // ranks ascending from front; front is the channel's best

        public void Enqueue(in Entry e)
        {
            Messages.PushBack(e);
            while (MinRanks.Count > 0 && MinRanks.Back.Rank > e.Rank) MinRanks.PopBack();
            MinRanks.PushBack(e);
        }

        public Entry Dequeue()
        {
            var e = Messages.PopFront();
            if (MinRanks.Front.Seq == e.Seq) MinRanks.PopFront();
            return e;
        }
    }

    private readonly ChannelQueue[] _channels;
    private long _lastSeq;

    /// <param name="channels">Input channels (<see cref="Message.Channel"/> ranges over 0 .. channels - 1).</param>
    public PriorityMailbox(int channels)
    {
        _channels = new ChannelQueue[Math.Max(1, channels)];
        for (int i = 0; i < _channels.Length; i++) _channels[i] = new ChannelQueue();
    }

    /// <summary>Messages held.</summary>
    public int Count { get; private set; }

    /// <summary>
    /// The rank of the most urgent channel, or <see cref="InheritedRank"/> if that is more urgent:
    /// what the instance waits at in the ready queue. <see cref="long.MaxValue"/> when empty.
    /// </summary>
    public long BestRank => Best(out _, out long rank) ? Math.Min(rank, InheritedRank) : long.MaxValue;

    /// <summary>A rank lent by work this instance holds up (<see cref="long.MaxValue"/>: none); see the remarks.</summary>
    public long InheritedRank { get; set; } = long.MaxValue;

    /// <summary>Adds a message on its channel at <paramref name="rank"/>.</summary>
    /// <param name="message">The message; <see cref="Message.Channel"/> picks its queue.</param>
    /// <param name="rank">Its rank under the policy (smaller is more urgent).</param>
    /// <param name="enqueuedAt">A timestamp handed back by <see cref="Dequeue(out long, out long)"/> (for measurements); any value.</param>
    public void Enqueue(Message message, long rank, long enqueuedAt = 0)
    {
        _channels[message.Channel].Enqueue(new Entry(message, rank, ++_lastSeq, enqueuedAt));
        Count++;
    }

    /// <summary>Takes the next message of the most urgent channel.</summary>
    /// <exception cref="InvalidOperationException">The mailbox is empty.</exception>
    public Message Dequeue() => Dequeue(out _, out _);

    /// <summary>Takes the next message of the most urgent channel, with its own rank and the timestamp it was enqueued with.</summary>
    /// <exception cref="InvalidOperationException">The mailbox is empty.</exception>
    public Message Dequeue(out long rank, out long enqueuedAt)
    {
        if (!Best(out int channel, out _)) throw new InvalidOperationException("The mailbox is empty.");
        Count--;
        var e = _channels[channel].Dequeue();
        rank = e.Rank;
        enqueuedAt = e.EnqueuedAt;
        return e.Message;
    }

    private bool Best(out int channel, out long rank)
    {
        channel = -1;
        rank = long.MaxValue;
        long seq = long.MaxValue;
        for (int i = 0; i < _channels.Length; i++)
        {
            var q = _channels[i];
            if (q.MinRanks.Count == 0) continue;
            ref var front = ref q.MinRanks.Front;
            if (front.Rank < rank || (front.Rank == rank && front.Seq < seq))
            {
                channel = i;
                rank = front.Rank;
                seq = front.Seq;
            }
        }
        return channel >= 0;
    }
}
