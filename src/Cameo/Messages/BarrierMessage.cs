namespace Cameo.Messages;

/// <summary>
/// A checkpoint barrier: sources inject it after the last record a checkpoint covers, and every
/// instance passes it on once it has one from each of its input channels and has saved its state.
/// It travels FIFO on its channel like any message, so it never overtakes the records it covers,
/// and it carries the priority context of the records sent before it on that channel: no more
/// urgent than they are, and no cause to push any other tenant's work aside.
/// </summary>
public sealed class BarrierMessage : Message
{
    /// <summary>The checkpoint this barrier closes.</summary>
    public required long CheckpointId { get; init; }

    public override string ToString() => $"Barrier {CheckpointId} q{Context.QueryId} ch{Channel}";
}
