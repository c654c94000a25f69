using Cameo.Dataflow;
using Cameo.Messages;
using Cameo.Scheduling;
using Cameo.Time;

namespace Cameo.Execution;

/// <summary>
/// One operator instance (actor), independent of the runtime that schedules it: the operator's
/// logic and state, its input progress, its profiled cost, what it knows of the costs below it, and
/// its output router. A runtime calls <see cref="Process"/> with one message at a time.
/// </summary>
public abstract class InstanceHost
{
    private protected InstanceHost(QueryContext query, LogicalNode node, int partition, int index, int queryNodeCount)
    {
        Query = query;
        Node = node;
        Partition = partition;
        Index = index;
        Downstream = new DownstreamCosts(queryNodeCount, [.. node.Outputs.Select(e => e.To.Id).Distinct()]);
        Progress = new InputProgress(node.Inputs.Sum(e => e.From.Parallelism));
        lock (query.Instances) query.Instances.Add(this);
    }

    public QueryContext Query { get; }
    public LogicalNode Node { get; }

    /// <summary>Which of the node's parallel instances this is.</summary>
    public int Partition { get; }

    /// <summary>Query-local index of this instance (how other instances address it).</summary>
    public int Index { get; }

    /// <summary>This instance's own cost per message.</summary>
    public CostProfile Cost { get; } = new();

    /// <summary>What replies have taught this instance about the operators below it.</summary>
    public DownstreamCosts Downstream { get; }

    public InputProgress Progress { get; }

    /// <summary>Number of input channels (one per upstream instance per port).</summary>
    public int ChannelCount => Node.Inputs.Sum(e => e.From.Parallelism);

    protected ITransport Transport { get; private set; } = null!;

    public virtual void Bind(ITransport transport) => Transport = transport;

    /// <summary>
    /// Processes one message: records, then the watermark riding on it, then the end of its channel;
    /// times the work, and replies to the sender with this instance's costs.
    /// </summary>
    public void Process(Message message)
    {
        long started = Query.Clock.GetTimestamp();
        int sender = message.Sender; // read before the message is released (and perhaps reused)
        int records = message.Count;
        try
        {
            long arrival = message.Context.ArrivalTime;
            if (message.Kind == MessageKind.Data) OnData(message);
            if (message.Watermark != Watermark.None && Progress.Advance(message.Channel, message.Watermark, arrival))
                OnProgress(Progress.Current, arrival);
            if (message.Kind == MessageKind.End && Progress.End(message.Channel)) OnEnd(arrival);
            else AfterMessage(arrival);
        }
        finally
        {
            message.Release();
        }
        Cost.Record(Query.Clock.GetElapsedTime(started).Ticks, records);
        if (sender >= 0)
            Transport.Reply(sender, new ReplyContext(Node.Id, Cost.PerMessage, Downstream.CriticalPath));
    }

    /// <summary>Handles the records of a data message.</summary>
    protected abstract void OnData(Message message);

    /// <summary>Event time advanced on every input; <paramref name="arrival"/> is when the event that advanced it arrived.</summary>
    protected abstract void OnProgress(long watermark, long arrival);

    /// <summary>Every input has ended: close everything and pass the end on.</summary>
    protected abstract void OnEnd(long arrival);

    /// <summary>The message is handled: send what it produced, stamped as arrived at <paramref name="arrival"/>.</summary>
    protected virtual void AfterMessage(long arrival) { }
}
