using System.Diagnostics;
using Cameo.Checkpoints;
using Cameo.Dataflow;
using Cameo.Messages;
using Cameo.Metrics;
using Cameo.Progress;
using Cameo.Scheduling;

namespace Cameo.Execution;

/// <summary>
/// One operator instance (actor), independent of the runtime that schedules it: the operator's
/// logic and state, its input progress, its profiled cost, what it knows of the costs below it, and
/// its output router. A runtime calls <see cref="Process"/> with one message at a time.
/// </summary>
public abstract class InstanceHost
{
    /// <summary>Messages processed since the last traced one (see <see cref="StartTrace"/>).</summary>
    private int _untraced;

    /// <param name="query">The query's shared context.</param>
    /// <param name="node">The operator the instance runs (the first of its chain).</param>
    /// <param name="partition">Which of the node's parallel instances this is.</param>
    /// <param name="index">Query-local index of the instance.</param>
    /// <param name="queryNodeCount">Number of operators in the query.</param>
    /// <param name="last">The last operator of the instance's chain, whose outputs it sends; <paramref name="node"/> if unchained.</param>
    private protected InstanceHost(QueryContext query, LogicalNode node, int partition, int index, int queryNodeCount, LogicalNode? last = null)
    {
        Query = query;
        Node = node;
        Partition = partition;
        Index = index;
        Downstream = new DownstreamCosts(queryNodeCount, [.. (last ?? node).Outputs.Select(e => e.To.Id).Distinct()]);
        InputChannels = node.Inputs.Sum(e => e.From.Parallelism);
        Progress = new InputProgress(InputChannels);
        if (query.Checkpoints is not null) _aligner = new BarrierAligner(InputChannels);
        lock (query.Instances) query.Instances.Add(this);
    }

    public QueryContext Query { get; }

    /// <summary>The operator this instance runs (the first of its chain, if operators are chained).</summary>
    public LogicalNode Node { get; }

    /// <summary>Which of the node's parallel instances this is.</summary>
    public int Partition { get; }

    /// <summary>Query-local index of this instance (how other instances address it).</summary>
    public int Index { get; }

    /// <summary>This instance's own costs: per message, per record, per firing result.</summary>
    public CostProfile Cost { get; } = new();

    /// <summary>What replies have taught this instance about the operators below it.</summary>
    public DownstreamCosts Downstream { get; }

    public InputProgress Progress { get; }

    /// <summary>Input channels from upstream instances (one per upstream instance per port).</summary>
    public int InputChannels { get; }

    /// <summary>
    /// Number of input channels a runtime must provide: one per upstream instance per port, and, for
    /// an operator whose firings run in slices, one more (<see cref="ResumeChannel"/>) on which the
    /// instance sends itself <see cref="MessageKind.Resume"/> messages.
    /// </summary>
    public int ChannelCount => InputChannels + (CanResume ? 1 : 0);

    /// <summary>The channel of the instance's own <see cref="MessageKind.Resume"/> messages: the last one.</summary>
    public int ResumeChannel => InputChannels;

    /// <summary>True if the instance may send itself <see cref="MessageKind.Resume"/> messages.</summary>
    private protected virtual bool CanResume => false;

    protected ITransport Transport { get; private set; } = null!;

    private readonly BarrierAligner? _aligner; // null unless the query is checkpointed

    /// <summary>
    /// The operator that threw <paramref name="error"/> out of <see cref="Process"/>: a chained
    /// operator's name if one threw, otherwise <see cref="Node"/>'s.
    /// </summary>
    public string OperatorOf(Exception error) => Operators.OperatorFailure.OperatorOf(error) ?? Node.Name;

    public virtual void Bind(ITransport transport) => Transport = transport;

    /// <summary>
    /// Processes one message: records, then the watermark riding on it, then the end of its channel;
    /// times the work, and replies to the sender with this instance's costs.
    /// </summary>
    public void Process(Message message)
    {
        var aligner = _aligner;
        if (aligner is not null && Align(aligner, message)) return;
        var trace = CameoTelemetry.ActivitySource.HasListeners() ? StartTrace(message) : null;
        long started = Query.Clock.GetTimestamp();
        int sender = message.Sender; // read before the message is released (and perhaps reused)
        int records = message.Count;
        try
        {
            long arrival = message.Context.ArrivalTime;
            var kind = message.Kind;
            if (kind == MessageKind.Data)
            {
                OnData(message);
                Cost.RecordRecords(Query.Clock.GetElapsedTime(started).Ticks, records);
            }
            else if (kind == MessageKind.Resume) OnResume();
            if (message.Watermark != Watermark.None && Progress.Advance(message.Channel, message.Watermark, arrival))
                OnProgress(Progress.Current, arrival);
            if (kind == MessageKind.End && Progress.End(message.Channel)) OnEnd(arrival);
            else AfterMessage(arrival);
        }
        catch (Exception ex) when (trace is not null)
        {
            trace.SetStatus(ActivityStatusCode.Error, ex.Message);
            trace.Dispose();
            throw;
        }
        finally
        {
            message.Release();
        }
        Cost.Record(Query.Clock.GetElapsedTime(started).Ticks, records);
        if (sender >= 0)
            Transport.Reply(sender, new ReplyContext(Node.Id, Cost.PerMessage, Downstream.CriticalPath, Cost.PerRecord));
        trace?.Dispose();
        if (aligner is not null && aligner.Checkpoint >= 0) TryCheckpoint(aligner);
    }

    /// <summary>
    /// A span for one message in <see cref="QueryContext.MessageTraceInterval"/> of this instance
    /// (instances process one message at a time, so the count needs no synchronization), if a
    /// listener samples it; null for the others.
    /// </summary>
    private Activity? StartTrace(Message message)
    {
        if (++_untraced < Query.MessageTraceInterval) return null;
        _untraced = 0;
        var activity = CameoTelemetry.ActivitySource.StartActivity("cameo.message");
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("query", Query.Name);
            activity.SetTag("operator", Node.Name);
            activity.SetTag("instance", Partition);
            activity.SetTag("records", message.Count);
            activity.SetTag("kind", message.Kind.ToString());
        }
        return activity;
    }

    /// <summary>Takes a barrier, or holds a message whose channel has delivered the current barrier.</summary>
    /// <returns>True if the message is consumed (a barrier) or held for after the checkpoint.</returns>
    private bool Align(BarrierAligner aligner, Message message)
    {
        if (message.Kind != MessageKind.Barrier) return aligner.Holds(message);
        long checkpoint = ((BarrierMessage)message).CheckpointId;
        int channel = message.Channel;
        message.Release();
        if (!Progress.IsEnded(channel)) aligner.OnBarrier(channel, checkpoint);
        TryCheckpoint(aligner);
        return true;
    }

    /// <summary>
    /// Once every input channel has delivered the checkpoint's barrier (or ended) and no firing is half
    /// emitted, saves this instance's state with the coordinator, passes the barrier on, and processes
    /// what the alignment held back. An instance whose inputs have all ended takes no part (its end went out).
    /// </summary>
    private void TryCheckpoint(BarrierAligner aligner)
    {
        if (!aligner.IsAligned(Progress.IsEnded) || !ReadyForCheckpoint) return;
        long checkpoint = aligner.Checkpoint;
        if (!Progress.AllEnded)
        {
            Query.Checkpoints!.Acknowledge(checkpoint, Index, Capture(checkpoint));
            ForwardBarrier(checkpoint);
        }
        foreach (var held in aligner.Release()) Process(held);
    }

    /// <summary>False while the instance cannot be saved yet (a window firing is half emitted): the checkpoint waits, its inputs held.</summary>
    private protected virtual bool ReadyForCheckpoint => true;

    /// <summary>Sends the barrier of <paramref name="checkpointId"/> to every downstream instance, behind everything sent before.</summary>
    private protected virtual void ForwardBarrier(long checkpointId) { }

    /// <summary>The operator whose state the instance checkpoints, if it has state.</summary>
    private protected virtual Operators.ICheckpointedOperator? CheckpointedOperator => null;

    /// <summary>True if the host keeps its node's whole state itself (in <see cref="SaveHost"/>), with no operator state to save.</summary>
    private protected virtual bool SavesOwnState => false;

    /// <summary>Why this instance cannot take part in a checkpoint (its operator keeps state it cannot save: a custom operator that is not an <see cref="Operators.ICheckpointedOperator"/>), or null if it can.</summary>
    public string? CheckpointGap =>
        Node.Kind == NodeKind.Operator && !Node.IsStateless && CheckpointedOperator is null && !SavesOwnState
            ? $"{Node.Name} keeps state that a checkpoint cannot save (a custom operator must implement ICheckpointedOperator to run in a checkpointed engine)"
            : null;

    /// <summary>
    /// This instance's part of checkpoint <paramref name="checkpointId"/>, captured in the instance's
    /// turn: the host's own state serialized (small), the operator's state copied for serialization
    /// off the workers (<see cref="Operators.ICheckpointedOperator.Capture"/>).
    /// </summary>
    private protected virtual CapturedState Capture(long checkpointId)
    {
        using var buffer = new MemoryStream();
        using (var writer = new BinaryWriter(buffer)) SaveHost(writer);
        return new CapturedState(buffer.ToArray(), CheckpointedOperator?.Capture(Query.Checkpoints!.Serializer), null, null);
    }

    /// <summary>This instance's part of checkpoint <paramref name="checkpointId"/>, serialized at once (for an instance's final state).</summary>
    private protected InstanceState Snapshot(long checkpointId) => Capture(checkpointId).Serialize();

    /// <summary>Writes what the host itself keeps: input progress and profiled costs (subclasses add theirs).</summary>
    private protected virtual void SaveHost(BinaryWriter writer)
    {
        Progress.Save(writer);
        Cost.Save(writer);
    }

    /// <summary>Reads what <see cref="SaveHost"/> wrote.</summary>
    private protected virtual void RestoreHost(BinaryReader reader)
    {
        Progress.Restore(reader);
        Cost.Restore(reader);
    }

    /// <summary>
    /// Puts the instance back in the state the query's recovered checkpoint saved for it, if the query
    /// resumes from one. The runtime calls it after <see cref="CheckpointCoordinator.RecoverAsync"/>
    /// and before the first message.
    /// </summary>
    public void RestoreCheckpoint()
    {
        if (Query.Checkpoints?.Restored(Index) is not { } state) return;
        if (state.Host is { } host)
        {
            using var reader = new BinaryReader(new MemoryStream(host));
            RestoreHost(reader);
        }
        if (state.Operator is { } saved)
        {
            var op = CheckpointedOperator ?? throw new InvalidOperationException($"{Node.Name} has saved state but its operator cannot restore it.");
            op.Restore(saved, Query.Checkpoints.Serializer);
        }
    }

    /// <summary>Handles the records of a data message.</summary>
    protected abstract void OnData(Message message);

    /// <summary>Event time advanced on every input; <paramref name="arrival"/> is when the event that advanced it arrived.</summary>
    protected abstract void OnProgress(long watermark, long arrival);

    /// <summary>Every input has ended: close everything and pass the end on.</summary>
    protected abstract void OnEnd(long arrival);

    /// <summary>Goes on with the firing this instance cut into slices (see <see cref="MessageKind.Resume"/>).</summary>
    private protected virtual void OnResume() => throw new InvalidOperationException($"{Node.Name} received a resume message it never sent.");

    /// <summary>The message is handled: send what it produced, stamped as arrived at <paramref name="arrival"/>.</summary>
    protected virtual void AfterMessage(long arrival) { }
}
