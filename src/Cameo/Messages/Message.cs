using Cameo.Scheduling;

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
    /// <summary>
    /// An instance's note to itself, on its own input channel: go on emitting the results of a window
    /// firing that was cut into slices. Queued with its own priority, so more urgent work runs in between.
    /// </summary>
    Resume,
    /// <summary>
    /// A checkpoint barrier (<see cref="BarrierMessage"/>): every record sent on this channel before it
    /// belongs to the checkpoint, every record after it to the next one.
    /// </summary>
    Barrier,
}

/// <summary>
/// The unit of scheduling: what travels from one operator instance to another, whatever the runtime.
/// A message carries a batch of records (see <see cref="Message{T}"/>), optionally the sender's new
/// watermark (which the receiver applies after the records), and its priority context.
/// </summary>
/// <remarks>
/// The header is immutable to everyone but the engine, which recycles messages through a
/// <see cref="MessagePool{T}"/>: a receiver must not touch a message after <see cref="Release"/>.
/// </remarks>
public class Message
{
    private MessageKind _kind;
    private int _sender = -1;
    private int _channel;
    private int _port;
    private long _watermark = Progress.Watermark.None;
    private PriorityContext _context;

    public MessageKind Kind { get => _kind; init => _kind = value; }

    /// <summary>Query-local index of the sending instance, or -1 from outside the query.</summary>
    public int Sender { get => _sender; init => _sender = value; }

    /// <summary>The receiver's input channel this message arrives on (one per upstream instance and port).</summary>
    public int Channel { get => _channel; init => _channel = value; }

    /// <summary>The receiver's input port: 0, or 1 for the right side of a join.</summary>
    public int Port { get => _port; init => _port = value; }

    /// <summary>The sender's watermark after this message, or <see cref="Progress.Watermark.None"/>.</summary>
    public long Watermark { get => _watermark; init => _watermark = value; }

    public PriorityContext Context { get => _context; init => _context = value; }

    /// <summary>Number of records carried.</summary>
    public virtual int Count => 0;

    /// <summary>Gives back what the message holds (pooled buffers, or the message itself) once the receiver is done with it.</summary>
    public virtual void Release() { }

    /// <summary>Fills in the header of a recycled message.</summary>
    private protected void SetHeader(MessageKind kind, int sender, int channel, int port, long watermark, in PriorityContext context)
    {
        _kind = kind;
        _sender = sender;
        _channel = channel;
        _port = port;
        _watermark = watermark;
        _context = context;
    }

    public override string ToString() => $"{Kind} q{Context.QueryId} n={Count} wm={Watermark} ddl={Context.StartDeadline}";
}

/// <summary>A message carrying records of type <typeparamref name="T"/> with their event times.</summary>
public sealed class Message<T> : Message
{
    private readonly MessagePool<T>? _owner;
    private int _count;
    private bool _released;

    /// <summary>A message over arrays the caller owns (tests, deserialized batches); release leaves them alone.</summary>
    /// <param name="items">The records; may be longer than <paramref name="count"/>.</param>
    /// <param name="timestamps">Event time of each record, Unix ms.</param>
    /// <param name="count">How many entries are valid.</param>
    public Message(T[] items, long[] timestamps, int count)
    {
        Items = items;
        Timestamps = timestamps;
        _count = count;
    }

    /// <summary>A message that belongs to <paramref name="owner"/>, with arrays of its batch size, and returns there on release.</summary>
    internal Message(MessagePool<T> owner, int capacity)
    {
        _owner = owner;
        Items = capacity == 0 ? [] : new T[capacity];
        Timestamps = capacity == 0 ? [] : new long[capacity];
        _released = true; // it starts out in the pool
    }

    public T[] Items { get; }
    public long[] Timestamps { get; }

    public override int Count => _count;

    public ReadOnlySpan<T> ItemSpan => Items.AsSpan(0, _count);
    public ReadOnlySpan<long> TimestampSpan => Timestamps.AsSpan(0, _count);

    /// <summary>Takes a pooled message out of its pool to be filled and sent.</summary>
    internal void Prepare(MessageKind kind, int sender, int channel, int port, long watermark, in PriorityContext context, int count)
    {
        SetHeader(kind, sender, channel, port, watermark, context);
        _count = count;
    }

    /// <summary>Marks a pooled message as taken; false if it was already (a bug in the caller).</summary>
    internal bool TakeFromPool()
    {
        bool free = _released;
        _released = false;
        return free;
    }

    public override void Release()
    {
        if (_owner is null || _released) return; // not pooled; or released already, and must not enter the pool twice
        _released = true;
        if (System.Runtime.CompilerServices.RuntimeHelpers.IsReferenceOrContainsReferences<T>()) Array.Clear(Items, 0, _count);
        _count = 0;
        _owner.Return(this);
    }
}

/// <summary>
/// The messages one sender recycles. The sender takes a message, fills it and sends it; the receiver
/// releases it after processing, from whichever thread, and it comes back here with its arrays. In
/// a steady stream the number of messages in flight is bounded (by backpressure), so after warm-up
/// sending allocates nothing.
/// </summary>
internal sealed class MessagePool<T>(int batchSize)
{
    private readonly Stack<Message<T>> _batches = new();
    private readonly Stack<Message<T>> _headers = new();
    private readonly Lock _lock = new();

    /// <summary>Records per message.</summary>
    public int BatchSize => batchSize;

    /// <summary>A free message with arrays of <see cref="BatchSize"/> records.</summary>
    public Message<T> Rent() => Take(_batches, batchSize);

    /// <summary>A free message without room for records, for a watermark or an end of stream.</summary>
    public Message<T> RentHeader() => Take(_headers, 0);

    public void Return(Message<T> message)
    {
        var free = message.Items.Length == 0 ? _headers : _batches;
        lock (_lock) free.Push(message);
    }

    private Message<T> Take(Stack<Message<T>> free, int capacity)
    {
        Message<T>? message;
        lock (_lock) free.TryPop(out message);
        message ??= new Message<T>(this, capacity);
        if (!message.TakeFromPool()) throw new InvalidOperationException("A pooled message was handed out twice.");
        return message;
    }
}
