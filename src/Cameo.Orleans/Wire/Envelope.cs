using Cameo.Messages;

namespace Cameo.Orleans.Wire;

/// <summary>
/// A <see cref="Message"/> on its way to an instance grain, numbered on its channel so the receiver
/// can restore the sender's order (Orleans does not promise ordering between two grains).
/// </summary>
/// <remarks>
/// Immutable: the sender never touches a message after sending it, so calls inside one silo pass
/// the reference instead of deep-copying the batch. Between silos the message is serialized by the
/// surrogates in MessageSurrogates.cs.
/// </remarks>
[GenerateSerializer, Immutable, Alias("cameo.envelope")]
public sealed class Envelope
{
    public Envelope(Message message, long sequence)
    {
        Message = message;
        Sequence = sequence;
    }

    [Id(0)] public Message Message { get; }

    /// <summary>0, 1, 2, ... per sender, target and channel.</summary>
    [Id(1)] public long Sequence { get; }
}
