using Cameo.Checkpoints;
using Cameo.Dataflow;
using Cameo.Messages;
using Cameo.Operators;
using Cameo.Progress;
using Cameo.Scheduling;
using Cameo.Time;

namespace Cameo.Execution;

/// <summary>
/// What hosts of operators with an output share: the router, flushing it after each message, and
/// running window firings in slices.
/// </summary>
/// <remarks>
/// <para>An operator that implements <see cref="IResumableFiring{TOut}"/> is asked for the results
/// each watermark releases a slice at a time: as many results as it emits within the query's bound
/// on a message's cost (<see cref="QueryContext.MaxMessageCostTicks"/>), by its profiled cost per
/// result. If results remain, the instance sends itself a <see cref="MessageKind.Resume"/> message,
/// ranked like any other with the arrival of the event that closed the window as its frontier, and
/// goes on when that message comes up; urgent work waits at most one slice.</para>
/// <para>Downstream must never see a firing's results as late, so the watermark sent on is held at
/// the last one whose firings are all emitted; the end of the stream goes out once every firing is.</para>
/// </remarks>
internal abstract class RoutingHost<TOut>(QueryContext query, LogicalNode node, int partition, int index, int nodeCount, Router<TOut> output,
    IResumableFiring<TOut>? resumable, LogicalNode? last = null)
    : InstanceHost(query, node, partition, index, nodeCount, last), IRoutingHost
{
    private readonly Queue<(long Watermark, long Arrival)> _due = new(); // watermarks whose firings are not all emitted, oldest first
    private long _released = Watermark.None; // what downstream may see: every firing at or below it has been emitted
    private bool _ended;                      // every input has ended: the end goes out once _due is empty
    private long _endArrival;
    private bool _endSent;
    private long _lateReported;
    private IRouter[] _side = [];             // side outputs (late records), driven like the main output

    protected Router<TOut> Output { get; } = output;

    private protected override bool CanResume => resumable is not null;

    /// <summary>Adds a side output's router (before <see cref="Bind"/>).</summary>
    public void AddSideOutput(IRouter router) => _side = [.. _side, router];

    public override void Bind(ITransport transport)
    {
        base.Bind(transport);
        Output.Bind(transport);
        foreach (var side in _side) side.Bind(transport);
    }

    protected override void AfterMessage(long arrival)
    {
        Output.Arrival = arrival;
        Output.Flush(_released);
        FlushSide(arrival, _released);
    }

    /// <summary>Sends the side outputs' buffered records with <paramref name="watermark"/>.</summary>
    private protected void FlushSide(long arrival, long watermark)
    {
        foreach (var side in _side)
        {
            side.Arrival = arrival;
            side.Flush(watermark);
        }
    }

    private protected override bool ReadyForCheckpoint => _due.Count == 0;

    private protected override void ForwardBarrier(long checkpointId) => Output.Barrier(checkpointId);

    /// <summary>The watermark and forecast the instance generates (a source's, an event-time assigner's), saved with the host; null for others.</summary>
    private protected virtual SourceProgress? GeneratedProgress => null;

    private protected override void SaveHost(BinaryWriter writer)
    {
        base.SaveHost(writer);
        writer.Write(_released);
        writer.Write(_lateReported);
        GeneratedProgress?.Save(writer);
    }

    private protected override void RestoreHost(BinaryReader reader)
    {
        base.RestoreHost(reader);
        _released = reader.ReadInt64();
        _lateReported = reader.ReadInt64();
        GeneratedProgress?.Restore(reader);
    }

    protected sealed override void OnProgress(long watermark, long arrival)
    {
        Output.Arrival = arrival;
        if (resumable is null)
        {
            OnWatermark(watermark);
            _released = watermark;
            return;
        }
        resumable.Advance(watermark);
        _due.Enqueue((watermark, arrival));
        if (_due.Count == 1) FireSlice(); // otherwise a resume message is queued already, and this firing follows the earlier ones
    }

    /// <summary>Hands a watermark to an operator whose firings run whole.</summary>
    protected abstract void OnWatermark(long watermark);

    private protected override void OnResume() => FireSlice();

    /// <summary>
    /// Emits one slice of the due firings, oldest first; each firing that completes goes out at once
    /// with its watermark, stamped with its own arrival. Queues a resume message if results remain.
    /// </summary>
    private void FireSlice()
    {
        long started = Query.Clock.GetTimestamp();
        double perResult = Cost.PerResult;
        int slice = perResult > 0 ? CostProfile.UnitsWithin(Query.MaxMessageCostTicks, perResult, int.MaxValue) : Output.BatchSize;
        int budget = slice;
        while (_due.TryPeek(out var due))
        {
            Output.Arrival = due.Arrival;
            int before = budget;
            bool done = resumable!.Fire(due.Watermark, Output, ref budget);
            if (!done)
            {
                Output.Flush(_released); // the slice's results go now; the watermark waits for the rest
                break;
            }
            _due.Dequeue();
            _released = due.Watermark;
            if (budget != before) Output.Flush(_released);
        }
        if (budget != slice) Cost.RecordResults(Query.Clock.GetElapsedTime(started).Ticks, slice - budget);
        if (_due.TryPeek(out var next)) SendResume(next.Arrival);
        else if (_ended) EndOutput();
    }

    /// <summary>Queues the rest of a firing behind whatever is more urgent, as a message to this instance.</summary>
    private void SendResume(long arrival)
    {
        var context = new PriorityContext(Query.Id, arrival, arrival, Query.LatencyTargetTicks, Query.MaxMessageCostTicks, Downstream.CriticalPath);
        Transport.Send(Index, new Message { Kind = MessageKind.Resume, Sender = Index, Channel = ResumeChannel, Context = context });
    }

    protected override void OnEnd(long arrival)
    {
        _ended = true;
        _endArrival = arrival;
        OnProgress(Watermark.EndOfStream, arrival); // with slices, the last one sends the end
        if (resumable is null) EndOutput();
    }

    private void EndOutput()
    {
        if (_endSent) return;
        _endSent = true;
        Output.Arrival = _endArrival;
        Output.End();
        foreach (var side in _side)
        {
            side.Arrival = _endArrival;
            side.End();
        }
        Query.Checkpoints?.Ended(Index, Snapshot(0), source: false);
    }

    /// <summary>Passes the operator's count of late records on to the query's metrics.</summary>
    protected void ReportLate(long lateSoFar)
    {
        if (lateSoFar == _lateReported) return;
        Query.Metrics.RecordLate(lateSoFar - _lateReported);
        _lateReported = lateSoFar;
    }
}

/// <summary>A host with an output, whatever its type: side outputs are added through it.</summary>
internal interface IRoutingHost
{
    void AddSideOutput(IRouter router);
}

/// <summary>Hosts a one-input operator, or a chain of them (<paramref name="op"/> is then a <see cref="ChainedOperator{TIn,TMid,TOut}"/> ending at <paramref name="last"/>).</summary>
internal sealed class UnaryHost<TIn, TOut>(QueryContext query, LogicalNode node, int partition, int index, int nodeCount, Router<TOut> output, Operator<TIn, TOut> op, LogicalNode last)
    : RoutingHost<TOut>(query, node, partition, index, nodeCount, output, op as IResumableFiring<TOut>, last)
{
    protected override void OnData(Message message)
    {
        var batch = (Message<TIn>)message;
        Output.Arrival = message.Context.ArrivalTime;
        op.OnRecords(batch.ItemSpan, batch.TimestampSpan, Output);
        ReportLate(op.LateRecords);
    }

    protected override void OnWatermark(long watermark) => op.OnWatermark(watermark, Output);

    private protected override ICheckpointedOperator? CheckpointedOperator => op as ICheckpointedOperator;
}

/// <summary>Hosts a two-input operator; port 1 carries the right side.</summary>
internal sealed class BinaryHost<TLeft, TRight, TOut>(QueryContext query, BinaryNode<TLeft, TRight, TOut> node, int partition, int index, int nodeCount, Router<TOut> output, BinaryOperator<TLeft, TRight, TOut> op)
    : RoutingHost<TOut>(query, node, partition, index, nodeCount, output, op as IResumableFiring<TOut>)
{
    protected override void OnData(Message message)
    {
        Output.Arrival = message.Context.ArrivalTime;
        if (message.Port == 0)
        {
            var batch = (Message<TLeft>)message;
            op.OnLeft(batch.ItemSpan, batch.TimestampSpan, Output);
        }
        else
        {
            var batch = (Message<TRight>)message;
            op.OnRight(batch.ItemSpan, batch.TimestampSpan, Output);
        }
        ReportLate(op.LateRecords);
    }

    protected override void OnWatermark(long watermark) => op.OnWatermark(watermark, Output);

    private protected override ICheckpointedOperator? CheckpointedOperator => op as ICheckpointedOperator;
}

/// <summary>A sink instance, as a runtime sees it when its query fails.</summary>
public interface ISinkInstance
{
    /// <summary>Closes the sink's writer with <paramref name="error"/> unless it has ended; later results are dropped. Thread-safe.</summary>
    void Abort(Exception error);
}

/// <summary>Hosts a sink instance and measures each output's latency as it is emitted.</summary>
/// <remarks>
/// The writer is closed exactly once: by the end of the input, or by <see cref="Abort"/> from
/// whichever thread fails the query. A lock (uncontended but for that moment) keeps an abort from
/// closing the writer while a worker writes to it. In a checkpointed query, a writer that
/// implements <see cref="ITransactionalWriter"/> is recovered before the query starts and
/// pre-commits at each barrier (exactly-once); any other writer is at-least-once (what it wrote
/// after the last completed checkpoint is written again on recovery).
/// </remarks>
internal sealed class SinkHost<T> : InstanceHost, ISinkInstance
{
    private readonly SinkWriter<T> _writer;
    private readonly ITransactionalWriter? _transactional;
    private readonly Action _onEnded;
    private readonly Lock _lock = new();
    private bool _closed;

    public SinkHost(QueryContext query, SinkNode<T> node, int partition, int index, int nodeCount, Action onEnded)
        : base(query, node, partition, index, nodeCount)
    {
        _writer = node.Sink.Open(partition);
        _onEnded = onEnded;
        if (query.Checkpoints is { } checkpoints && _writer is ITransactionalWriter transactional)
        {
            _transactional = transactional;
            checkpoints.Register(index, transactional);
        }
    }

    private protected override CapturedState Capture(long checkpointId) =>
        base.Capture(checkpointId) with { SinkPreCommit = _transactional?.PreCommit(checkpointId) };

    protected override void OnData(Message message)
    {
        var batch = (Message<T>)message;
        lock (_lock)
        {
            if (_closed) return;
            _writer.Write(batch.ItemSpan, batch.TimestampSpan, message.Context.ArrivalTime);
        }
        Query.Metrics.RecordOutputs(batch.Count, message.Context.ArrivalTime, PhysicalTime.Now(Query.Clock));
    }

    protected override void OnProgress(long watermark, long arrival) { }

    protected override void OnEnd(long arrival)
    {
        lock (_lock)
        {
            if (_closed) return;
            _closed = true;
            _writer.Complete();
        }
        Query.Checkpoints?.Ended(Index, Snapshot(0), source: false);
        _onEnded();
    }

    public void Abort(Exception error)
    {
        lock (_lock)
        {
            if (_closed) return;
            _closed = true;
            _writer.Abort(error);
        }
    }
}

/// <summary>
/// Hosts a source instance. The runtime's source driver reads batches and hands them to
/// <see cref="Ingest"/>, which stamps event times, passes them to the source's progress (which
/// generates the watermark and teaches the arrival forecast), and routes the records.
/// </summary>
internal sealed class SourceHost<T> : RoutingHost<T>
{
    private readonly SourceNode<T> _node;
    private long[] _stamps = [];

    public SourceHost(QueryContext query, SourceNode<T> node, int partition, int index, int nodeCount, Router<T> output)
        : base(query, node, partition, index, nodeCount, output, resumable: null)
    {
        _node = node;
        // When an operator below assigns the event times, this source's ingestion times forecast nothing.
        var estimator = node.EventTimeAssignedBelow ? new FrontierEstimator() : query.Frontier.AddSource();
        SourceProgress = new SourceProgress(node.WatermarkDelayMs, estimator);
    }

    /// <summary>The watermark this source generates and the arrival forecast it teaches.</summary>
    public SourceProgress SourceProgress { get; }

    /// <summary>Opens a reader of this instance's share of the source.</summary>
    public SourceReader<T> OpenReader() =>
        _node.Source.Open(Partition, Node.Parallelism, new SourceContext(Query.ReportDeadLetter, Query.RunsEndActions ? Query.OnEnded : null));

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
        for (int i = 0; i < count; i++)
            stamps[i] = timestamp is null ? PhysicalTime.ToEventTime(arrivals is null ? now : arrivals[i]) : timestamp(items[i]);
        EventTimeRouting.Route(SourceProgress, Output, items.AsSpan(0, count), stamps.AsSpan(0, count), arrivals.AsSpan(0, arrivals is null ? 0 : count), now);
        Query.Metrics.RecordInputs(count);
        Cost.Record(Query.Clock.GetElapsedTime(started).Ticks, count);
    }

    /// <summary>Routes records that already have event times (a shared stream's, passed on to this query), all arrived at <paramref name="arrival"/>.</summary>
    internal void IngestStamped(ReadOnlySpan<T> items, ReadOnlySpan<long> stamps, long arrival)
    {
        long started = Query.Clock.GetTimestamp();
        Output.Arrival = arrival;
        EventTimeRouting.Route(SourceProgress, Output, items, stamps, [], arrival);
        Query.Metrics.RecordInputs(items.Length);
        Cost.Record(Query.Clock.GetElapsedTime(started).Ticks, items.Length);
    }

    /// <summary>
    /// Injects the barrier of checkpoint <paramref name="checkpointId"/> behind every record routed so
    /// far, and acknowledges this instance's state with the reader's <paramref name="position"/>.
    /// </summary>
    public void InjectBarrier(long checkpointId, byte[] position)
    {
        Query.Checkpoints!.Acknowledge(checkpointId, Index, Capture(checkpointId) with { SourcePosition = position });
        Output.Barrier(checkpointId);
    }

    /// <summary>This instance's state at the end of its input, which every later checkpoint keeps (the source injects no more barriers).</summary>
    public InstanceState FinalState(byte[] position) => Snapshot(0) with { SourcePosition = position };

    private protected override SourceProgress GeneratedProgress => SourceProgress;

    /// <summary>The source is exhausted (or stopped): close every window below and end the outputs.</summary>
    public void Finish(long now)
    {
        Output.Arrival = now;
        Output.End();
    }

    protected override void OnData(Message message) => throw new InvalidOperationException("A source receives no messages.");
    protected override void OnWatermark(long watermark) { }
}

/// <summary>
/// Hosts an event-time assigner (<c>WithEventTime</c> after an operator): stamps each record with
/// its event time, generates the watermark from them as a source does (the input's ingestion-time
/// watermark is dropped) and teaches the query's arrival forecast.
/// </summary>
internal sealed class EventTimeHost<T> : RoutingHost<T>
{
    private readonly Func<T, long> _timestamp;
    private long[] _stamps = [];

    public EventTimeHost(QueryContext query, UnaryNode<T, T> node, int partition, int index, int nodeCount, Router<T> output)
        : base(query, node, partition, index, nodeCount, output, resumable: null)
    {
        _timestamp = node.AssignedTimestamp!;
        SourceProgress = new SourceProgress(node.WatermarkDelayMs, query.Frontier.AddSource());
    }

    /// <summary>The watermark this assigner generates and the arrival forecast it teaches.</summary>
    public SourceProgress SourceProgress { get; }

    protected override void OnData(Message message)
    {
        var batch = (Message<T>)message;
        int count = batch.Count;
        if (_stamps.Length < count) _stamps = new long[batch.Items.Length];
        var items = batch.ItemSpan;
        for (int i = 0; i < count; i++) _stamps[i] = _timestamp(items[i]);
        long arrival = message.Context.ArrivalTime;
        Output.Arrival = arrival;
        EventTimeRouting.Route(SourceProgress, Output, items, _stamps.AsSpan(0, count), [], arrival);
    }

    protected override void OnWatermark(long watermark) { }

    protected override void AfterMessage(long arrival)
    {
        Output.Arrival = arrival;
        Output.Flush(SourceProgress.Watermark);
    }

    /// <summary>Its state is the watermark it generates, saved with the host's.</summary>
    private protected override bool SavesOwnState => true;

    private protected override SourceProgress GeneratedProgress => SourceProgress;
}

/// <summary>How sources and event-time assigners send records and watermarks.</summary>
internal static class EventTimeRouting
{
    /// <summary>
    /// Routes a batch so that every record meets the watermark of the records before it in this
    /// instance's order, whatever the batching: before a record behind that watermark (the only kind
    /// a window can find late), the records ahead of it go out with the watermark. The watermark
    /// after the batch goes out with the flush that follows (the caller's, or here at the end).
    /// Records in order never split a batch, except where the watermark after the batch closes a
    /// window: it then goes out ahead of the batch's trailing records stamped above it, which no
    /// window it closes can hold. Otherwise the firing would wait until the operators on the way
    /// had processed those records too (a whole burst, when input arrives in bursts), though the
    /// window's own records were all sent before. Record order is kept; only the watermark moves up.
    /// </summary>
    public static void Route<T>(SourceProgress progress, Router<T> output, ReadOnlySpan<T> items, ReadOnlySpan<long> stamps, ReadOnlySpan<long> arrivals, long now)
    {
        long max = progress.MaxEventTime;
        long sent = progress.Watermark;
        int tail = TrailingAbove(progress, output, stamps, sent);
        int from = 0;
        for (int i = 0; i < tail; i++)
        {
            long t = stamps[i];
            if (max != long.MinValue)
            {
                long watermark = max - progress.DelayMs;
                if (t < watermark && watermark > sent)
                {
                    Send(progress, output, items[from..i], stamps[from..i], arrivals.IsEmpty ? arrivals : arrivals[from..i], now);
                    output.Flush(watermark);
                    sent = watermark;
                    from = i;
                }
            }
            if (t > max) max = t;
        }
        Send(progress, output, items[from..tail], stamps[from..tail], arrivals.IsEmpty ? arrivals : arrivals[from..tail], now);
        if (tail < items.Length)
        {
            progress.Observe(stamps[tail..], arrivals.IsEmpty ? arrivals : arrivals[tail..], now);
            output.Flush(progress.Watermark);
            output.EmitBatch(items[tail..], stamps[tail..]);
        }
        output.Flush(progress.Watermark);
    }

    /// <summary>
    /// Where the trailing records that may follow the batch's watermark begin: the index after the
    /// last record at or below it, if that watermark moves past <paramref name="sent"/> and closes a
    /// window; otherwise the batch's length (the watermark follows every record).
    /// </summary>
    private static int TrailingAbove<T>(SourceProgress progress, Router<T> output, ReadOnlySpan<long> stamps, long sent)
    {
        if (!output.HasWindowBelow) return stamps.Length;
        long max = progress.MaxEventTime;
        foreach (long t in stamps) if (t > max) max = t;
        if (max == long.MinValue) return stamps.Length;
        long watermark = max - progress.DelayMs;
        if (watermark <= sent || !output.ClosesWindow(watermark)) return stamps.Length;
        int tail = stamps.Length;
        while (tail > 0 && stamps[tail - 1] > watermark) tail--;
        return tail;
    }

    private static void Send<T>(SourceProgress progress, Router<T> output, ReadOnlySpan<T> items, ReadOnlySpan<long> stamps, ReadOnlySpan<long> arrivals, long now)
    {
        progress.Observe(stamps, arrivals, now);
        output.EmitBatch(items, stamps);
    }
}
