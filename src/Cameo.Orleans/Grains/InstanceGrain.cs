using Cameo.Checkpoints;
using Cameo.Execution;
using Cameo.Messages;
using Cameo.Orleans.Checkpoints;
using Cameo.Orleans.Deployment;
using Cameo.Orleans.Scheduling;
using Cameo.Orleans.Wire;
using Cameo.Runtime;
using Cameo.Scheduling;
using Cameo.Scheduling.Core;
using Cameo.Time;

namespace Cameo.Orleans.Grains;

/// <summary>
/// One operator instance as an Orleans grain: the same <see cref="InstanceHost"/> the embedded
/// runtime runs (built by <see cref="HostFactory"/>), fed through a priority mailbox and scheduled
/// by the silo's <see cref="TurnScheduler"/>; it is also the host's <see cref="ITransport"/>.
/// </summary>
/// <remarks>
/// <para>The grain composes four concerns, each its own type:</para>
/// <list type="bullet">
/// <item><b>Order</b> (<see cref="ChannelSequencer"/>): messages are numbered per sender and
/// receiver, and re-sequenced on arrival, so a watermark never overtakes the records sent before it even if
/// Orleans reorders calls; a message that arrives twice is dropped.</item>
/// <item><b>Delivery and flow control</b> (<see cref="Outbox"/>): a sender keeps what it sent until
/// the receiver has it, and at most <see cref="QuerySpec.MaxInFlightMessages"/> of its messages may be
/// unacknowledged; a source stops reading and a pump stops taking turns until acknowledgements come
/// back. A grain timer watches every receiver's progress: after <see cref="CameoSiloOptions.ResendAfter"/>
/// without progress it asks the receiver where it stands and sends again what did not arrive; after
/// <see cref="CameoSiloOptions.ProgressTimeout"/> the query fails, naming the receiver.</item>
/// <item><b>Acknowledgements</b> (<see cref="Acknowledgements"/>): a receiver acknowledges once per turn
/// and sender with cumulative counts and its latest reply context, so a lost acknowledgement is
/// repaired by the next.</item>
/// <item><b>Scheduling</b> (<see cref="InstancePump"/>): <see cref="Push"/> is one-way and always
/// interleaved: it only files the message in the priority mailbox and makes sure the pump runs,
/// which takes turns of the silo's <see cref="TurnScheduler"/>. Under <c>orleans-default</c>,
/// <see cref="PushInOrder"/> processes each message in the order Orleans delivers it instead.</item>
/// </list>
/// <para><b>Faults.</b> In a checkpointed query (<see cref="CameoSiloOptions.Checkpoints"/>) the
/// instance saves its state at each barrier through its incarnation's <see cref="SiloCheckpoints"/>;
/// when an instance is lost, the coordinator starts a new incarnation of every instance (new grain
/// keys, <see cref="InstanceKeys"/>) restored from the last completed checkpoint, and retires this one.
/// Envelopes carry their incarnation (<see cref="Envelope.Epoch"/>): one of another incarnation is
/// dropped. Without checkpoints operator state is not replicated: an instance whose silo died comes
/// back, if at all, as a fresh activation without state that refuses to process, and the query fails
/// with a clear error (so does the coordinator's probe, if nothing is sent to it). An operator that
/// throws fails its own query only.</para>
/// </remarks>
public sealed class InstanceGrain(CameoSilo silo, IGrainFactory grains, QueryDefinitions definitions) : Grain, IInstanceGrain, ITransport, IPumpedInstance
{
    private readonly CancellationTokenSource _stopping = new();
    private readonly Dictionary<Message, long> _enqueuedAt = new(ReferenceEqualityComparer.Instance); // only with an OnProcessed hook
    private QuerySpec _spec = null!;
    private LocalQuery _query = null!;
    private QueryContext _context = null!; // the query's, or in a checkpointed query its incarnation's (see LocalQuery.Incarnation)
    private InstanceHost? _host;
    private ChannelSequencer _sequencer = null!;
    private Acknowledgements _acks = null!;
    private Outbox _outbox = null!;
    private Action<int, DeliveryProgress> _acknowledge = null!;
    private IGrainTimer? _watchdog;
    private long _watchedAt; // when the watchdog last ran (Stopwatch ticks), 0 before
    private InstancePump? _pump;
    private IQueryGrain _coordinator = null!;
    private IInstanceGrain?[] _instances = [];
    private int _epoch;
    private SiloCheckpoints? _checkpoints; // a checkpointed query's, shared by its incarnation's instances in this process
    private Task _driver = Task.CompletedTask; // a source's read loop
    private CancellationTokenRegistration _siloStopping;
    private long _stale; // envelopes of another incarnation, dropped
    private bool _retired;
    private volatile bool _over; // retired or failed: drop messages

    private string Name => _spec.Instances[_host!.Index];

    private CameoSilo Silo => silo;

    public Task<string> Start(QuerySpec spec, int index, int epoch)
    {
        if (_host is not null) throw new InvalidOperationException($"Instance {this.GetPrimaryKeyString()} was started twice.");
        _spec = spec;
        _epoch = epoch;
        _query = LocalQueries.Acquire(spec, definitions);
        _coordinator = grains.GetGrain<IQueryGrain>(spec.Key);
        _instances = new IInstanceGrain?[spec.Instances.Length];
        _sequencer = new ChannelSequencer(spec.Instances.Length);
        _acks = new Acknowledgements(_sequencer, spec.Instances.Length);
        _outbox = new Outbox(index, spec.Instances.Length, spec.MaxInFlightMessages, epoch);
        _acknowledge = Acknowledge;
        var context = _query.Context;
        if (spec.Checkpointed)
        {
            var serializer = silo.Options.Checkpoints?.Serializer ?? CheckpointOptions.DefaultSerializer;
            context = _query.Incarnation(epoch, () => new SiloCheckpoints(grains, spec.Key, epoch, serializer));
            _checkpoints = (SiloCheckpoints)context.Checkpoints!;
        }
        _context = context;
        var host = _query.CreateHost(index, () =>
        {
            if (_spec.Catalog is not null) ReportResults(final: true);
            _coordinator.SinkEnded(index, epoch);
        }, context);
        if (spec.Checkpointed && host.CheckpointGap is { } gap)
        {
            LocalQueries.Release(spec, _query);
            throw new InvalidOperationException($"Query '{spec.Name}' cannot be checkpointed: {gap}.");
        }
        host.Bind(this);
        if (host.Node.Kind != Dataflow.NodeKind.Source && silo.Scheduler is { } scheduler)
        {
            _pump = new InstancePump(scheduler, new PriorityMailbox(host.ChannelCount), _outbox.Credits, this);
            silo.Track(_pump, spec.Key);
        }
        _host = host;
        if (host.Node.Kind != Dataflow.NodeKind.Sink)
        {
            var every = silo.Options.ResendAfter / 2;
            _watchdog = this.RegisterGrainTimer(WatchAsync, new GrainTimerCreationOptions(every, every) { Interleave = true });
        }
        DelayDeactivation(TimeSpan.FromDays(1)); // stays active while its query runs; Retire lets it go
        return Task.FromResult(RuntimeIdentity);
    }

    public Task Run()
    {
        // Reads on the thread pool, like the embedded runtime's driver: not on the grain's scheduler.
        if (_host is not { Node.Kind: Dataflow.NodeKind.Source } host) return Task.CompletedTask;
        _siloStopping = silo.Stopping.Register(() =>
        {
            _over = true; // the driver ends without finishing the stream: the silo is going away
            _stopping.Cancel();
        });
        _driver = Task.Run(() => SourceDriver.Start(host, new SourceRun(this)) ?? Task.CompletedTask);
        return Task.CompletedTask;
    }

    public Task Restore(byte[]? state, long startedAfter)
    {
        var host = _host ?? throw new InvalidOperationException($"Operator instance {this.GetPrimaryKeyString()} was not started.");
        _checkpoints!.Restore(host.Index, state is null ? null : InstanceState.FromBytes(state), startedAfter);
        host.RestoreCheckpoint();
        return Task.CompletedTask;
    }

    public Task RequestCheckpoint(long checkpointId)
    {
        _checkpoints?.Request(checkpointId);
        return Task.CompletedTask;
    }

    public async Task CheckpointCompleted(long checkpointId, byte[] position)
    {
        if (_over || _host is null || _checkpoints?.Reader(_host.Index) is not { } reader) return;
        await reader.OnCheckpointCompletedAsync(checkpointId, position, _stopping.Token);
    }

    public async Task Commit(long checkpointId, byte[] preCommitState)
    {
        if (_over || _host is null || _checkpoints?.Writer(_host.Index) is not { } writer) return;
        await writer.CommitAsync(checkpointId, preCommitState, CancellationToken.None);
    }

    public async Task RecoverSink(long? checkpointId, byte[]? preCommitState)
    {
        if (_host is null || _checkpoints?.Writer(_host.Index) is not { } writer) return;
        await writer.RecoverAsync(checkpointId, preCommitState, CancellationToken.None);
    }

    public async Task Quiesce()
    {
        await Retire();
        try
        {
            await _driver.WaitAsync(QuiesceTimeout);
        }
        catch (TimeoutException)
        {
            // a read that does not end: its entries stay pending in the source and the next incarnation re-reads them
        }
    }

    /// <summary>Longest <see cref="Quiesce"/> waits for a source's read loop to end.</summary>
    private static readonly TimeSpan QuiesceTimeout = TimeSpan.FromSeconds(5);

    public Task Push(Envelope envelope)
    {
        if (!Arrived(envelope)) return Task.CompletedTask;
        if (_sequencer.Accept(envelope) != Arrival.Next) return Task.CompletedTask; // kept until its predecessors arrive, or a duplicate
        int sender = envelope.Header.Sender;
        var ready = envelope;
        do
        {
            var message = ready.Message;
            long rank = silo.Options.Policy!.Rank(message.Context, ready.SentAt);
            if (silo.Options.OnProcessed is not null) _enqueuedAt[message] = ProcessingClock.Next();
            _pump!.Enqueue(message, rank);
        }
        while (_sequencer.TryNext(sender, out ready));
        return Task.CompletedTask;
    }

    public async Task PushInOrder(Envelope envelope)
    {
        if (!Arrived(envelope)) return;
        if (_sequencer.Accept(envelope) != Arrival.Next) return;
        int sender = envelope.Header.Sender;
        var ready = envelope;
        do
        {
            var message = ready.Message;
            if (silo.Options.OnProcessed is not null) _enqueuedAt[message] = ProcessingClock.Next();
            while (!_over && _outbox.Credits.IsFull) await _outbox.Credits.WaitAsync(CancellationToken.None);
            Execute(message, PhysicalTime.Now(_context.Clock));
            _acks.Flush(_acknowledge);
        }
        while (_sequencer.TryNext(sender, out ready));
    }

    public Task Ack(int receiver, DeliveryProgress progress)
    {
        if (_host is null) return Task.CompletedTask; // an acknowledgement to an activation without state
        if (_outbox.Acknowledged(receiver, progress)) _host.Downstream.Apply(progress.Reply);
        return Task.CompletedTask;
    }

    public Task<DeliveryProgress> Progress(int sender)
    {
        if (_host is null) throw new InvalidOperationException($"Operator instance {this.GetPrimaryKeyString()} has no state: it was re-activated after its silo died.");
        return Task.FromResult(_acks.Progress(sender, blocked: _outbox.Credits.IsWaiting));
    }

    public Task<bool> Probe() => Task.FromResult(_host is not null);

    public Task<string> Describe()
    {
        if (_host is null) return Task.FromResult($"{this.GetPrimaryKeyString()}: no state");
        return Task.FromResult($"{Name} @ {RuntimeIdentity}: out of order {_sequencer.Waiting}, unacknowledged {_outbox.Credits.InFlight}/{_outbox.Credits.Capacity}, not arrived {_outbox.Unarrived}, resent {_outbox.Resent}"
            + (_checkpoints is { } checkpoints ? $", incarnation {_epoch}, checkpoint requested {checkpoints.Requested}, stale dropped {Interlocked.Read(ref _stale)}" : "")
            + (_pump is null ? "" : $", {_pump.Describe()}")
            + (_over ? ", over" : ""));
    }

    public Task Stop()
    {
        _stopping.Cancel();
        return Task.CompletedTask;
    }

    public Task Retire()
    {
        if (_retired) return Task.CompletedTask;
        _retired = true;
        if (_host is not null) LocalQueries.Release(_spec, _query);
        _over = true;
        // a sink of an incarnation that was rolled back drops what no completed checkpoint covers (the next one replays it)
        (_host as ISinkInstance)?.Abort(new OperationCanceledException($"Operator instance {Name} was retired."));
        _stopping.Cancel();
        _outbox?.Credits.Open();
        _watchdog?.Dispose();
        _siloStopping.Dispose();
        _pump?.Clear();
        if (_pump is not null) silo.Untrack(_pump);
        DeactivateOnIdle();
        return Task.CompletedTask;
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (_pump is not null) silo.Untrack(_pump);
        return Task.CompletedTask;
    }

    void ITransport.Send(int target, Message message)
    {
        if (_over)
        {
            message.Release();
            return;
        }
        Deliver(target, _outbox.Send(target, message, PhysicalTime.Now(_context.Clock)));
    }

    /// <summary>Sends (or sends again) <paramref name="envelope"/> to instance <paramref name="target"/>.</summary>
    private void Deliver(int target, Envelope envelope)
    {
        // a call to itself never leaves the activation: it is neither kept for resending nor lost by DropCall
        if (silo.Options.DropCall is { } drop && target != _host!.Index && drop(new InstanceCall(InstanceCallKind.Push, _spec.Name, _host.Index, target, envelope.Sequence))) return;
        var receiver = Instance(target);
        if (silo.Scheduler is null) receiver.PushInOrder(envelope);
        else receiver.Push(envelope);
    }

    /// <summary>Acknowledges to <paramref name="sender"/> what this instance has of its messages.</summary>
    private void Acknowledge(int sender, DeliveryProgress progress)
    {
        int self = _host!.Index;
        if (sender == self) return; // messages to itself are not credited (see Outbox)
        if (silo.Options.DropCall is { } drop && drop(new InstanceCall(InstanceCallKind.Ack, _spec.Name, self, sender, -1))) return;
        Instance(sender).Ack(self, progress);
    }

    /// <summary>
    /// The sender's watchdog (a grain timer, every half <see cref="CameoSiloOptions.ResendAfter"/>):
    /// asks each receiver that has made no progress on this instance's messages for
    /// <see cref="CameoSiloOptions.ResendAfter"/> where it stands, and fails the query when one has
    /// made none for <see cref="CameoSiloOptions.ProgressTimeout"/>. A round that comes late (the
    /// process was frozen) does not count the lost time against the receivers.
    /// </summary>
    private Task WatchAsync(CancellationToken cancellationToken)
    {
        if (_over) return Task.CompletedTask;
        long now = System.Diagnostics.Stopwatch.GetTimestamp();
        var options = silo.Options;
        long period = ToStopwatch(options.ResendAfter) / 2;
        if (_watchedAt > 0 && now - _watchedAt > 2 * period) _outbox.Froze(now - _watchedAt - period);
        _watchedAt = now;
        if (_outbox.Stalled(now, ToStopwatch(options.ProgressTimeout), recent: 2 * ToStopwatch(options.ResendAfter)) is { } stall)
        {
            _over = true;
            _watchdog?.Dispose();
            string receiver = _spec.Instances[stall.Receiver];
            _coordinator.Failed(receiver, $"operator instance {receiver} makes no progress on the channel from {Name}: {stall.Why}. " +
                $"The query fails instead of stalling (progress timeout {options.ProgressTimeout.TotalSeconds:0.#} s)", _epoch);
            return Task.CompletedTask;
        }
        if (_outbox.Overdue(now, ToStopwatch(options.ResendAfter)) is { } overdue)
            foreach (var (receiver, sentBefore) in overdue) _ = ResyncAsync(receiver, sentBefore);
        return Task.CompletedTask;
    }

    /// <summary>
    /// Asks <paramref name="receiver"/> where it stands; its answer acknowledges, and what was sent to it
    /// before the question (numbered below <paramref name="sentBefore"/>) and has not arrived is sent again.
    /// No answer within <see cref="CameoSiloOptions.ResendAfter"/>: the next watchdog round asks again.
    /// </summary>
    private async Task ResyncAsync(int receiver, long sentBefore)
    {
        try
        {
            var options = silo.Options;
            if (options.DropCall is { } drop && drop(new InstanceCall(InstanceCallKind.Progress, _spec.Name, _host!.Index, receiver, -1))) return;
            var progress = await Instance(receiver).Progress(_host!.Index).WaitAsync(options.ResendAfter);
            if (_over) return;
            if (_outbox.Acknowledged(receiver, progress)) _host.Downstream.Apply(progress.Reply);
            foreach (var envelope in _outbox.Unaccepted(receiver, sentBefore)) Deliver(receiver, envelope);
        }
        catch (Exception) when (!_over)
        {
            // No answer (timed out, or the call failed): the receiver's progress clock runs on.
        }
        finally
        {
            _outbox.Asked(receiver);
        }
    }

    private static long ToStopwatch(TimeSpan span) => (long)(span.TotalSeconds * System.Diagnostics.Stopwatch.Frequency);

    /// <summary>Acknowledgements are gathered per sender and sent when the grain's turn ends.</summary>
    void ITransport.Reply(int sender, in ReplyContext reply) => _acks.Processed(sender, reply);

    bool IPumpedInstance.IsOver => _over;

    long IPumpedInstance.CostPerMessage => _host!.Cost.PerMessage;

    void IPumpedInstance.Process(Message message, long rank) => Execute(message, rank);

    void IPumpedInstance.TurnEnded() => _acks.Flush(_acknowledge);

    /// <summary>False if the message cannot be processed here: the query is over, or this activation has lost its state.</summary>
    private bool Arrived(Envelope envelope)
    {
        if (_host is not null)
        {
            if (envelope.Epoch == _epoch) return !_over;
            Interlocked.Increment(ref _stale); // sent by another incarnation of the query: never processed here
            envelope.Message.Release();
            return false;
        }
        // A fresh activation receiving data: the instance's silo died (or it was deactivated) and its state is gone.
        string key = this.GetPrimaryKeyString();
        InstanceKeys.TryParse(key, out string query, out int index, out int epoch);
        grains.GetGrain<IQueryGrain>(query).InstanceLost(index, epoch, $"it lost its state: it was re-activated on {RuntimeIdentity} after its silo died");
        envelope.Message.Release();
        DeactivateOnIdle();
        return false;
    }

    private void Execute(Message message, long rank)
    {
        if (_over)
        {
            message.Release();
            return;
        }
        var host = _host!;
        if (silo.Options.OnProcessed is { } onProcessed)
            onProcessed(new ProcessedMessage(RuntimeIdentity, _spec.Name, host.Index, rank, _enqueuedAt.Remove(message, out long enqueued) ? enqueued : -1, ProcessingClock.Next()));
        try
        {
            host.Process(message);
        }
        catch (Exception ex)
        {
            _over = true;
            _coordinator.Failed(host.OperatorOf(ex), ex.Message, _epoch); // the operator that threw, also inside a chain
            return;
        }
        if (_spec.Catalog is not null && host.Node.Kind == Dataflow.NodeKind.Sink) ReportResults(final: false);
    }

    /// <summary>
    /// Reports outputs to the coordinator: a built-in query's results as text after each message; a
    /// query definition's output count (its sinks write where they run) from this process's
    /// measurements, a few times a second and when a sink ends.
    /// </summary>
    private void ReportResults(bool final)
    {
        if (!QueryCatalog.Contains(_spec.Catalog!))
        {
            long now = System.Diagnostics.Stopwatch.GetTimestamp();
            if (!final && now < Volatile.Read(ref _query.NextReport)) return;
            Volatile.Write(ref _query.NextReport, now + System.Diagnostics.Stopwatch.Frequency / 4);
            long total = _query.Context.Metrics.Snapshot().Outputs;
            long reported = Interlocked.Exchange(ref _query.ReportedOutputs, total);
            if (total != reported) _coordinator.Results(total - reported, []);
            return;
        }
        var recent = new List<string>();
        long count = 0;
        while (_query.Results.TryDequeue(out var text))
        {
            count++;
            recent.Add(text);
            if (recent.Count > 10) recent.RemoveAt(0);
        }
        if (count > 0) _coordinator.Results(count, [.. recent]);
    }

    private IInstanceGrain Instance(int index) =>
        _instances[index] ??= grains.GetGrain<IInstanceGrain>(InstanceKeys.Of(_spec.Key, index, _epoch));

    /// <summary>A turn held while a source hands a batch over.</summary>
    private sealed class Turn(TurnScheduler scheduler, TurnRequest request) : IDisposable
    {
        public void Dispose() => scheduler.Release(request);
    }

    /// <summary>What the shared source driver needs from a source instance grain.</summary>
    private sealed class SourceRun(InstanceGrain grain) : ISourceRun
    {
        public QueryContext Context => grain._context;
        public int BatchSize => grain._query.BatchSize;
        public CancellationToken StoppingToken => grain._stopping.Token;
        public bool Failed => grain._over;
        public ValueTask WaitForCreditAsync(CancellationToken cancellationToken) => grain._outbox.Credits.WaitAsync(cancellationToken);

        /// <summary>
        /// Ingestion takes one of the silo's turns, ranked like a message whose records arrive now, so
        /// that a bulk source catching up does not take the cores from more urgent grains, and a tight
        /// query's records are handed over ahead of bulk work.
        /// </summary>
        public async ValueTask<IDisposable?> EnterIngestAsync(CancellationToken cancellationToken)
        {
            if (grain.Silo.Scheduler is not { } scheduler || grain._host is not { } host) return null;
            var query = Context;
            long now = PhysicalTime.Now(query.Clock);
            var context = ContextConverter.Build(query.Id, query.LatencyTargetTicks, now, now, host.Downstream, host.Node.Id);
            var turn = scheduler.Request(grain.Silo.Options.Policy!.Rank(context, now), host.Cost.PerMessage);
            await turn.Granted; // on the thread pool, where the driver runs (see Run)
            return new Turn(scheduler, turn);
        }

        public void Fail(Exception error, InstanceHost? where)
        {
            grain._over = true;
            grain._coordinator.Failed(grain.Name, error.Message, grain._epoch);
        }
    }
}
