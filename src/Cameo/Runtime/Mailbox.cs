using Cameo.Messages;

namespace Cameo.Runtime;

/// <summary>
/// An instance's priority mailbox (the second level of Cameo's scheduler).
/// </summary>
/// <remarks>
/// Messages on one input channel are processed in the order they were sent: a watermark must never
/// overtake the records sent before it, or those records would turn late. Across channels the most
/// urgent goes first. A channel's urgency is the best rank of anything it holds, so an urgent
/// watermark pulls the records queued before it along (priority inheritance), kept in O(1) per
/// operation with a monotonic deque of ranks.
/// </remarks>
internal sealed class Mailbox
{
    private readonly record struct Entry(Message Message, long Rank, long Seq);

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

        public Message Dequeue()
        {
            var e = Messages.PopFront();
            if (MinRanks.Front.Seq == e.Seq) MinRanks.PopFront();
            return e.Message;
        }
    }

    private readonly ChannelQueue[] _channels;

    public Mailbox(int channels)
    {
        _channels = new ChannelQueue[Math.Max(1, channels)];
        for (int i = 0; i < _channels.Length; i++) _channels[i] = new ChannelQueue();
    }

    public int Count { get; private set; }

    private long _lastSeq;

    /// <summary>Adds a message; among equal ranks, messages are served in the order they were enqueued here.</summary>
    public void Enqueue(Message message, long rank) => Enqueue(message, rank, ++_lastSeq);

    /// <summary>Adds a message with a caller-given sequence number, which breaks ties between equal ranks (smaller first).</summary>
    public void Enqueue(Message message, long rank, long seq)
    {
        _lastSeq = seq;
        _channels[message.Channel].Enqueue(new Entry(message, rank, seq));
        Count++;
    }

    /// <summary>The rank of the most urgent channel, or <see cref="long.MaxValue"/> when empty.</summary>
    public long BestRank => Best(out _, out long rank) ? rank : long.MaxValue;

    /// <summary>Takes the next message of the most urgent channel.</summary>
    public Message Dequeue()
    {
        if (!Best(out int channel, out _)) throw new InvalidOperationException("The mailbox is empty.");
        Count--;
        return _channels[channel].Dequeue();
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
