using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Cameo.Messages;
using Cameo.Scheduling;

namespace Cameo.Orleans.Wire;

// Cameo's core library knows nothing of Orleans, so its types travel as surrogates: plain structs
// the Orleans code generator can serialize, plus converters Orleans finds by [RegisterConverter].
// Records carried in batches need codecs too: see CameoHosting.AddCameoSerialization.

[GenerateSerializer, Immutable, Alias("cameo.priority-context")]
public struct PriorityContextSurrogate
{
    [Id(0)] public int QueryId;
    [Id(1)] public long ArrivalTime;
    [Id(2)] public long FrontierTime;
    [Id(3)] public long LatencyTarget;
    [Id(4)] public long OperatorCost;
    [Id(5)] public long CriticalPathCost;
    [Id(6)] public long PendingWork;
}

[RegisterConverter]
public sealed class PriorityContextConverter : IConverter<PriorityContext, PriorityContextSurrogate>
{
    public PriorityContext ConvertFromSurrogate(in PriorityContextSurrogate s) =>
        new(s.QueryId, s.ArrivalTime, s.FrontierTime, s.LatencyTarget, s.OperatorCost, s.CriticalPathCost, s.PendingWork);

    public PriorityContextSurrogate ConvertToSurrogate(in PriorityContext c) => new()
    {
        QueryId = c.QueryId,
        ArrivalTime = c.ArrivalTime,
        FrontierTime = c.FrontierTime,
        LatencyTarget = c.LatencyTarget,
        OperatorCost = c.OperatorCost,
        CriticalPathCost = c.CriticalPathCost,
        PendingWork = c.PendingWork,
    };
}

[GenerateSerializer, Immutable, Alias("cameo.reply-context")]
public struct ReplyContextSurrogate
{
    [Id(0)] public int Node;
    [Id(1)] public long OperatorCost;
    [Id(2)] public long CriticalPathCost;
    [Id(3)] public double RecordCost;
}

[RegisterConverter]
public sealed class ReplyContextConverter : IConverter<ReplyContext, ReplyContextSurrogate>
{
    public ReplyContext ConvertFromSurrogate(in ReplyContextSurrogate s) => new(s.Node, s.OperatorCost, s.CriticalPathCost, s.RecordCost);

    public ReplyContextSurrogate ConvertToSurrogate(in ReplyContext r) =>
        new() { Node = r.Node, OperatorCost = r.OperatorCost, CriticalPathCost = r.CriticalPathCost, RecordCost = r.RecordCost };
}

/// <summary>Everything a <see cref="Messages.Message"/> carries except its records.</summary>
[GenerateSerializer, Immutable, Alias("cameo.message-header")]
public struct MessageHeader
{
    [Id(0)] public MessageKind Kind;
    [Id(1)] public int Sender;
    [Id(2)] public int Channel;
    [Id(3)] public int Port;
    [Id(4)] public long Watermark;
    [Id(5)] public PriorityContext Context;

    /// <summary>The checkpoint a <see cref="MessageKind.Barrier"/> closes (<see cref="BarrierMessage.CheckpointId"/>); 0 for other kinds.</summary>
    [Id(6)] public long CheckpointId;

    public static MessageHeader Of(Message m) => new()
    {
        Kind = m.Kind,
        Sender = m.Sender,
        Channel = m.Channel,
        Port = m.Port,
        Watermark = m.Watermark,
        Context = m.Context,
        CheckpointId = (m as BarrierMessage)?.CheckpointId ?? 0,
    };

    /// <summary>A message without records (watermark, end, checkpoint barrier).</summary>
    public readonly Message ToMessage() => Kind == MessageKind.Barrier
        ? new BarrierMessage
        {
            Kind = Kind,
            Sender = Sender,
            Channel = Channel,
            Port = Port,
            Watermark = Watermark,
            Context = Context,
            CheckpointId = CheckpointId,
        }
        : new Message
        {
            Kind = Kind,
            Sender = Sender,
            Channel = Channel,
            Port = Port,
            Watermark = Watermark,
            Context = Context,
        };
}

/// <summary>The records of a data message, typed by the subclass.</summary>
[GenerateSerializer, Immutable, Alias("cameo.record-batch")]
public abstract class RecordBatch
{
    public abstract Message ToMessage(in MessageHeader header);

    /// <summary>The records of <paramref name="message"/>, or null if it carries none.</summary>
    public static RecordBatch? Of(Message message) =>
        message.GetType().IsGenericType ? Factories.GetOrAdd(message.GetType(), CreateFactory)(message) : null;

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<Type, Func<Message, RecordBatch>> Factories = new();

    private static Func<Message, RecordBatch> CreateFactory(Type messageType)
    {
        var batchType = typeof(RecordBatch<>).MakeGenericType(messageType.GetGenericArguments());
        return (Func<Message, RecordBatch>)batchType.GetMethod(nameof(RecordBatch<int>.Create))!.CreateDelegate(typeof(Func<Message, RecordBatch>));
    }
}

/// <summary>
/// Records of type <typeparamref name="T"/> with their event times. Only the valid part of the
/// (possibly pooled, longer) arrays is serialized. Records without references (plain structs such
/// as most event types and window results) travel as their raw bytes, which is far cheaper than any
/// codec; silos of one cluster run the same build, so the layout is the same on both ends. Other
/// records use their Orleans codec (or the JSON fallback).
/// </summary>
/// <remarks>
/// The properties are read only when Orleans serializes the batch (between silos), so a call
/// inside a silo copies nothing.
/// </remarks>
[GenerateSerializer, Immutable, Alias("cameo.record-batch`1")]
public sealed class RecordBatch<T> : RecordBatch
{
    private static readonly bool Raw = !RuntimeHelpers.IsReferenceOrContainsReferences<T>();
    [NonSerialized] private ArraySegment<T> _items;

    public RecordBatch(Message<T> message)
    {
        _items = new ArraySegment<T>(message.Items, 0, message.Count);
        Timestamps = new ArraySegment<long>(message.Timestamps, 0, message.Count);
    }

    /// <summary>Typed entry point for <see cref="RecordBatch.Of"/>.</summary>
    public static RecordBatch Create(Message message) => new RecordBatch<T>((Message<T>)message);

    /// <summary>The records, for types with references (set only by the deserializer).</summary>
    [Id(0)]
    public ArraySegment<T> Items
    {
        get => Raw ? default : _items;
        set { if (!Raw) _items = value; }
    }

    [Id(1)] public ArraySegment<long> Timestamps { get; private set; }

    /// <summary>The records' bytes, for types without references (set only by the deserializer).</summary>
    [Id(2)]
    public byte[]? Bytes
    {
        get => Raw ? AsBytes(_items.Array ?? [], _items.Count).ToArray() : null;
        set
        {
            if (!Raw || value is null) return;
            var items = new T[value.Length / Unsafe.SizeOf<T>()];
            value.CopyTo(AsBytes(items, items.Length));
            _items = items;
        }
    }

    /// <summary>The first <paramref name="count"/> records' memory (only for types without references).</summary>
    private static Span<byte> AsBytes(T[] items, int count) =>
        MemoryMarshal.CreateSpan(ref Unsafe.As<T, byte>(ref MemoryMarshal.GetArrayDataReference(items)), count * Unsafe.SizeOf<T>());

    public override Message ToMessage(in MessageHeader header)
    {
        var items = Whole(_items);
        var timestamps = Whole(Timestamps);
        return new Message<T>(items, timestamps, items.Length)
        {
            Kind = header.Kind,
            Sender = header.Sender,
            Channel = header.Channel,
            Port = header.Port,
            Watermark = header.Watermark,
            Context = header.Context,
        };
    }

    /// <summary>The segment as an exact array, copying only if it is a slice (a deserialized segment is not).</summary>
    private static TItem[] Whole<TItem>(ArraySegment<TItem> segment) =>
        segment.Array is not { } array ? [] : segment.Offset == 0 && segment.Count == array.Length ? array : segment.ToArray();
}
