using Cameo.Scheduling;

namespace Cameo.Orleans.Wire;

/// <summary>
/// What a receiver instance tells a sender about the sender's messages: both counts are cumulative,
/// so a later acknowledgement repairs any that was lost before it.
/// </summary>
/// <param name="Accepted">The receiver has every envelope numbered below this (the sender may forget them).</param>
/// <param name="Processed">How many of the sender's messages the receiver has processed (the sender's credits come back).</param>
/// <param name="Reply">The receiver's latest reply context (its costs and the critical path below it); meaningful once <paramref name="Processed"/> is positive.</param>
/// <param name="Blocked">The receiver waits for credits from its own receivers: it is not the one that stalls.</param>
[GenerateSerializer, Immutable, Alias("cameo.delivery-progress")]
public readonly record struct DeliveryProgress(
    [property: Id(0)] long Accepted,
    [property: Id(1)] long Processed,
    [property: Id(2)] ReplyContext Reply,
    [property: Id(3)] bool Blocked);
