using Cameo.Messages;
using Cameo.Scheduling;

namespace Cameo.Orleans.Wire;

// Cameo's message types live in a library that knows nothing of Orleans, so they travel as
// surrogates: plain structs the Orleans code generator can serialize, plus converters that Orleans
// finds by [RegisterConverter]. Record types carried in batches need a codec of their own: either
// [GenerateSerializer] on the type, or the JSON fallback registered by CameoSerialization.

[GenerateSerializer, Immutable, Alias("cameo.priority-context")]
public struct PriorityContextSurrogate
{
    [Id(0)] public int QueryId;
    [Id(1)] public long ArrivalTime;
    [Id(2)] public long FrontierTime;
    [Id(3)] public long LatencyTarget;
    [Id(4)] public long OperatorCost;
    [Id(5)] public long CriticalPathCost;
}

[RegisterConverter]
public sealed class PriorityContextConverter : IConverter<PriorityContext, PriorityContextSurrogate>
{
    public PriorityContext ConvertFromSurrogate(in PriorityContextSurrogate s) =>
        new(s.QueryId, s.ArrivalTime, s.FrontierTime, s.LatencyTarget, s.OperatorCost, s.CriticalPathCost);

    public PriorityContextSurrogate ConvertToSurrogate(in PriorityContext c) => new()
    {
        QueryId = c.QueryId, ArrivalTime = c.ArrivalTime, FrontierTime = c.FrontierTime,
        LatencyTarget = c.LatencyTarget, OperatorCost = c.OperatorCost, CriticalPathCost = c.CriticalPathCost,
    };
}

[GenerateSerializer, Immutable, Alias("cameo.reply-context")]
public struct ReplyContextSurrogate
{
    [Id(0)] public int Node;
    [Id(1)] public long OperatorCost;
    [Id(2)] public long CriticalPathCost;
}

[RegisterConverter]
public sealed class ReplyContextConverter : IConverter<ReplyContext, ReplyContextSurrogate>
{
    public ReplyContext ConvertFromSurrogate(in ReplyContextSurrogate s) => new(s.Node, s.OperatorCost, s.CriticalPathCost);

    public ReplyContextSurrogate ConvertToSurrogate(in ReplyContext r) =>
        new() { Node = r.Node, OperatorCost = r.OperatorCost, CriticalPathCost = r.CriticalPathCost };
}

/// <summary>A message without records: a watermark or the end of a channel.</summary>
[GenerateSerializer, Immutable, Alias("cameo.message")]
public struct MessageSurrogate
{
    [Id(0)] public MessageKind Kind;
    [Id(1)] public int Sender;
    [Id(2)] public int Channel;
    [Id(3)] public int Port;
    [Id(4)] public long Watermark;
    [Id(5)] public PriorityContext Context;
}

[RegisterConverter]
public sealed class MessageConverter : IConverter<Message, MessageSurrogate>
{
    public Message ConvertFromSurrogate(in MessageSurrogate s) => new()
    {
        Kind = s.Kind, Sender = s.Sender, Channel = s.Channel, Port = s.Port, Watermark = s.Watermark, Context = s.Context,
    };

    public MessageSurrogate ConvertToSurrogate(in Message m) => new()
    {
        Kind = m.Kind, Sender = m.Sender, Channel = m.Channel, Port = m.Port, Watermark = m.Watermark, Context = m.Context,
    };
}

/// <summary>A batch of records: only the valid part of the (possibly pooled, longer) arrays travels.</summary>
[GenerateSerializer, Immutable, Alias("cameo.batch`1")]
public struct MessageSurrogate<T>
{
    [Id(0)] public MessageSurrogate Header;
    [Id(1)] public T[] Items;
    [Id(2)] public long[] Timestamps;
}

[RegisterConverter]
public sealed class MessageConverter<T> : IConverter<Message<T>, MessageSurrogate<T>>
{
    private static readonly MessageConverter Header = new();

    public Message<T> ConvertFromSurrogate(in MessageSurrogate<T> s) => new(s.Items, s.Timestamps, s.Items.Length, pooled: false)
    {
        Kind = s.Header.Kind, Sender = s.Header.Sender, Channel = s.Header.Channel, Port = s.Header.Port,
        Watermark = s.Header.Watermark, Context = s.Header.Context,
    };

    public MessageSurrogate<T> ConvertToSurrogate(in Message<T> m) => new()
    {
        Header = Header.ConvertToSurrogate(m),
        Items = m.ItemSpan.ToArray(),
        Timestamps = m.TimestampSpan.ToArray(),
    };
}
