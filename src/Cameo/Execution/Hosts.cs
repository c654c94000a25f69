using Cameo.Dataflow;
using Cameo.Messages;
using Cameo.Operators;
using Cameo.Time;

namespace Cameo.Execution;

/// <summary>What hosts of operators with an output share: the router, and flushing it after each message.</summary>
internal abstract class RoutingHost<TOut>(QueryContext query, LogicalNode node, int partition, int index, int nodeCount, Router<TOut> output)
    : InstanceHost(query, node, partition, index, nodeCount)
{
    private long _lateReported;

    protected Router<TOut> Output { get; } = output;

    public override void Bind(ITransport transport)
    {
        base.Bind(transport);
        Output.Bind(transport);
    }

    protected override void AfterMessage(long arrival)
    {
        Output.Arrival = arrival;
        Output.Flush(Progress.Current);
    }

    protected override void OnEnd(long arrival)
    {
        Output.Arrival = arrival;
        OnProgress(Watermark.EndOfStream, arrival);
        Output.End();
    }

    /// <summary>Passes the operator's count of late records on to the query's metrics.</summary>
    protected void ReportLate(long lateSoFar)
    {
        if (lateSoFar == _lateReported) return;
        Query.Metrics.RecordLate(lateSoFar - _lateReported);
        _lateReported = lateSoFar;
    }
}

/// <summary>Hosts a one-input operator.</summary>
internal sealed class UnaryHost<TIn, TOut>(QueryContext query, UnaryNode<TIn, TOut> node, int partition, int index, int nodeCount, Router<TOut> output)
    : RoutingHost<TOut>(query, node, partition, index, nodeCount, output)
{
    private readonly Operator<TIn, TOut> _operator = node.Factory();

    protected override void OnData(Message message)
    {
        var batch = (Message<TIn>)message;
        Output.Arrival = message.Context.ArrivalTime;
        _operator.OnRecords(batch.ItemSpan, batch.TimestampSpan, Output);
        ReportLate(_operator.LateRecords);
    }

    protected override void OnProgress(long watermark, long arrival)
    {
        Output.Arrival = arrival;
        _operator.OnWatermark(watermark, Output);
    }
}

/// <summary>Hosts a two-input operator; port 1 carries the right side.</summary>
internal sealed class BinaryHost<TLeft, TRight, TOut>(QueryContext query, BinaryNode<TLeft, TRight, TOut> node, int partition, int index, int nodeCount, Router<TOut> output)
    : RoutingHost<TOut>(query, node, partition, index, nodeCount, output)
{
    private readonly BinaryOperator<TLeft, TRight, TOut> _operator = node.Factory();

    protected override void OnData(Message message)
    {
        Output.Arrival = message.Context.ArrivalTime;
        if (message.Port == 0)
        {
            var batch = (Message<TLeft>)message;
            _operator.OnLeft(batch.ItemSpan, batch.TimestampSpan, Output);
        }
        else
        {
            var batch = (Message<TRight>)message;
            _operator.OnRight(batch.ItemSpan, batch.TimestampSpan, Output);
        }
        ReportLate(_operator.LateRecords);
    }

    protected override void OnProgress(long watermark, long arrival)
    {
        Output.Arrival = arrival;
        _operator.OnWatermark(watermark, Output);
    }
}

/// <summary>Hosts a sink instance and measures each output's latency as it is emitted.</summary>
internal sealed class SinkHost<T>(QueryContext query, SinkNode<T> node, int partition, int index, int nodeCount, Action onEnded)
    : InstanceHost(query, node, partition, index, nodeCount)
{
    private readonly SinkWriter<T> _writer = node.Sink.Open(partition);

    protected override void OnData(Message message)
    {
        var batch = (Message<T>)message;
        _writer.Write(batch.ItemSpan, batch.TimestampSpan);
        Query.Metrics.RecordOutputs(batch.Count, message.Context.ArrivalTime, PhysicalTime.Now(Query.Clock));
    }

    protected override void OnProgress(long watermark, long arrival) { }

    protected override void OnEnd(long arrival)
    {
        _writer.Complete();
        onEnded();
    }
}

/// <summary>
/// Hosts a source instance. The runtime's source driver reads batches and hands them to
/// <see cref="Ingest"/>, which stamps event times, generates the watermark (largest event time seen
/// minus the out-of-orderness bound), teaches the arrival estimator, and routes the records.
/// </summary>
internal sealed class SourceHost<T> : RoutingHost<T>
{
    private readonly SourceNode<T> _node;
    private long _maxEventTime = long.MinValue;
    private long[] _stamps = [];

    public SourceHost(QueryContext query, SourceNode<T> node, int partition, int index, int nodeCount, Router<T> output)
        : base(query, node, partition, index, nodeCount, output)
    {
        _node = node;
        Query.Estimators.Add(Estimator);
    }

    public FrontierEstimator Estimator { get; } = new();

    /// <summary>The watermark this source has promised so far.</summary>
    public long CurrentWatermark => _maxEventTime == long.MinValue ? Watermark.None : _maxEventTime - _node.WatermarkDelayMs;

    /// <summary>Opens a reader of this instance's share of the source.</summary>
    public SourceReader<T> OpenReader() =>
        _node.Source.Open(Partition, Node.Parallelism, new SourceContext(Query.ReportDeadLetter));

    /// <summary>Routes <paramref name="count"/> records read from the source.</summary>
    /// <param name="items">The records.</param>
    /// <param name="arrivals">Each record's physical arrival (ascending), or null if all arrived at <paramref name="now"/>.</param>
    /// <param name="count">How many records are valid.</param>
    /// <param name="now">The current physical time.</param>
    public void Ingest(T[] items, long[]? arrivals, int count, long now)
    {
        long started = Query.Clock.GetTimestamp();
        Output.Arrival = arrivals is null ? now : arrivals[0];
        if (_stamps.Length < count) _stamps = new long[items.Length];
        var stamps = _stamps;
        var timestamp = _node.Timestamp;
        long max = _maxEventTime;
        for (int i = 0; i < count; i++)
        {
            long arrival = arrivals is null ? now : arrivals[i];
            long t = timestamp is null ? PhysicalTime.ToEventTime(arrival) : timestamp(items[i]);
            stamps[i] = t;
            if (t > max) max = t;
            if ((i & 63) == 0) Estimator.Observe(t, arrival);
        }
        _maxEventTime = max;
        Output.EmitBatch(items.AsSpan(0, count), stamps.AsSpan(0, count));
        Output.Flush(CurrentWatermark);
        Query.Metrics.RecordInputs(count);
        Cost.Record(Query.Clock.GetElapsedTime(started).Ticks, count);
    }

    /// <summary>The source is exhausted (or stopped): close every window below and end the outputs.</summary>
    public void Finish(long now)
    {
        Output.Arrival = now;
        Output.End();
    }

    protected override void OnData(Message message) => throw new InvalidOperationException("A source receives no messages.");
    protected override void OnProgress(long watermark, long arrival) { }
}
