using Cameo.Scheduling;
using Cameo.Time;

namespace Cameo.Messages;

/// <summary>What a message asks its receiver to do.</summary>
public enum MessageKind : byte
{
    /// <summary>A batch of records (and perhaps a watermark after them).</summary>
    Data,
    /// <summary>Only a watermark: progress for a receiver that got no records this time.</summary>
    Watermark,
    /// <summary>The sender's input is exhausted; nothing more will come on this channel.</summary>
    End,
}

/// <summary>
/// The unit of scheduling: what travels from one operator instance to another, whatever the runtime.
/// A message carries a batch of records (see <see cref="Message{T}"/>), optionally the sender's new
/// watermark (which the receiver applies after the records), and its priority context.
/// </summary>
public class Message
{
    public MessageKind Kind { get; init; }

    /// <summary>Query-local index of the sending instance, or -1 from outside the query.</summary>
    public int Sender { get; init; } = -1;

    /// <summary>The receiver's input channel this message arrives on (one per upstream instance and port).</summary>
    public int Channel { get; init; }

    /// <summary>The receiver's input port: 0, or 1 for the right side of a join.</summary>
    public int Port { get; init; }

    /// <summary>The sender's watermark after this message, or <see cref="Time.Watermark.None"/>.</summary>
    public long Watermark { get; init; } = Time.Watermark.None;

    public PriorityContext Context { get; init; }

    /// <summary>Number of records carried.</summary>
    public virtual int Count => 0;

    /// <summary>Returns pooled buffers once the receiver is done with the message.</summary>
    public virtual void Release() { }

    public override string ToString() => $"{Kind} q{Context.QueryId} n={Count} wm={Watermark} ddl={Context.StartDeadline}";
}

/// <summary>A message carrying records of type <typeparamref name="T"/> with their event times.</summary>
public sealed class Message<T> : Message
{
    private readonly int _count;

    /// <param name="items">The records; may be longer than <paramref name="count"/> (pooled).</param>
    /// <param name="timestamps">Event time of each record, Unix ms.</param>
    /// <param name="count">How many entries are valid.</param>
    /// <param name="pooled">True if the arrays came from <see cref="System.Buffers.ArrayPool{T}.Shared"/>.</param>
    public Message(T[] items, long[] timestamps, int count, bool pooled)
    {
        Items = items;
        Timestamps = timestamps;
        _count = count;
        Pooled = pooled;
    }

    public T[] Items { get; private set; }
    public long[] Timestamps { get; private set; }
    public bool Pooled { get; }

    public override int Count => _count;

    public ReadOnlySpan<T> ItemSpan => Items.AsSpan(0, _count);
    public ReadOnlySpan<long> TimestampSpan => Timestamps.AsSpan(0, _count);

    public override void Release()
    {
        if (!Pooled || Items.Length == 0) return;
        System.Buffers.ArrayPool<T>.Shared.Return(Items, System.Runtime.CompilerServices.RuntimeHelpers.IsReferenceOrContainsReferences<T>());
        System.Buffers.ArrayPool<long>.Shared.Return(Timestamps);
        Items = [];
        Timestamps = [];
    }
}
