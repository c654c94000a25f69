using Cameo.Messages;

namespace Cameo.Orleans.Wire;

/// <summary>
/// A <see cref="Messages.Message"/> on its way to an instance grain, numbered per sender and receiver so
/// the receiver can restore the sender's order (Orleans does not promise ordering between two grains).
/// </summary>
/// <remarks>
/// Immutable: the sender never touches a message after sending it, so calls inside one silo pass
/// the envelope, and the very message object, without copying. Between silos the header and the
/// valid part of the batch travel (see <see cref="RecordBatch"/>), and the receiver rebuilds the
/// message. The sender keeps the envelope until the receiver reports it arrived, and sends it again
/// only if it had not (a copy that arrives late is dropped by its number, untouched). Cameo's message classes stay free of Orleans, and no surrogate has to cope with their
/// class hierarchy.
/// </remarks>
[GenerateSerializer, Immutable, Alias("cameo.envelope")]
public sealed class Envelope
{
    [NonSerialized] private Message? _message;

    public Envelope(Message message, long sequence, long sentAt, int epoch = 0)
    {
        _message = message;
        Sequence = sequence;
        SentAt = sentAt;
        Epoch = epoch;
        Header = MessageHeader.Of(message);
        Records = RecordBatch.Of(message);
    }

    /// <summary>0, 1, 2, ... per sender and receiver: the receiver restores the order and drops what arrives twice.</summary>
    [Id(0)] public long Sequence { get; private set; }

    [Id(1)] public MessageHeader Header { get; private set; }

    /// <summary>
    /// When the sender sent it (physical ticks): the moment it was queued, as the embedded runtime
    /// ranks a message when it is sent. Policies that look at queueing time (FIFO, Cameo's test for a
    /// missed start deadline) see the same moment whether or not a network hop follows.
    /// </summary>
    [Id(3)] public long SentAt { get; private set; }

    /// <summary>
    /// The incarnation of the query that sent it: 0, then one more each time a checkpointed query is
    /// rolled back to its last checkpoint. A receiver drops an envelope of another incarnation, so
    /// nothing sent before a rollback reaches the instances that replay from the checkpoint.
    /// </summary>
    [Id(4)] public int Epoch { get; private set; }

    /// <summary>The records, or null for a watermark or end message.</summary>
    [Id(2)] public RecordBatch? Records { get; private set; }

    /// <summary>The message: the sender's own object within a silo, a rebuilt one after crossing silos.</summary>
    public Message Message => _message ??= Records?.ToMessage(Header) ?? Header.ToMessage();
}
