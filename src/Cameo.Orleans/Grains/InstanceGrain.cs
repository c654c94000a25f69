using System.Diagnostics;
using Cameo.Execution;
using Cameo.Messages;
using Cameo.Orleans.Deployment;
using Cameo.Orleans.Scheduling;
using Cameo.Orleans.Wire;
using Cameo.Runtime;
using Cameo.Scheduling;
using Cameo.Time;

namespace Cameo.Orleans.Grains;

/// <summary>
/// One operator instance as an Orleans grain: the same <see cref="InstanceHost"/> the embedded
/// runtime runs (built by <see cref="HostFactory"/>), fed through a priority mailbox and scheduled
/// by the silo's <see cref="TurnScheduler"/>; it is also the host's <see cref="ITransport"/>.
/// </summary>
/// <remarks>
/// <para><b>Scheduling.</b> <see cref="Push"/> is one-way and always interleaved: it only files the
/// message in the mailbox (FIFO per input channel, channels by urgency, as in the embedded runtime)
/// and makes sure the pump runs. The pump asks the silo for a turn at the rank of its best message,
/// processes, and keeps the turn while its next message is still the silo's most urgent (up to a
/// quantum). Under <c>orleans-default</c>, <see cref="PushInOrder"/> processes each message in the
/// order Orleans delivers it instead.</para>
/// <para><b>Flow control.</b> One-way calls bypass Orleans' backpressure, so each instance has
/// credits: at most <see cref="QuerySpec.MaxInFlightMessages"/> of its messages may be unacknowledged.
/// A source stops reading and a pump stops taking turns until acknowledgements come back. An
/// acknowledgement (one per sender per turn) carries the receiver's latest reply context (its cost
/// and the critical path below it) and the credits.</para>
/// <para><b>Order.</b> Messages are numbered per channel and re-sequenced on arrival, so a
/// watermark never overtakes the records sent before it even if Orleans reorders calls.</para>
/// <para><b>Faults.</b> Operator state is not replicated. An instance whose silo died comes back,
/// if at all, as a fresh activation without state: it refuses to process, and the query fails with a
/// clear error (so does the coordinator's probe, if nothing is sent to it). An operator that throws
/// fails its own query only.</para>
/// </remarks>
public sealed class InstanceGrain(CameoSilo silo, IGrainFactory grains) : Grain, IInstanceGrain, ITransport
{
    private readonly Dictionary<(int Target, int Channel), long> _sent = [];
    private readonly Dictionary<(int Channel, long Sequence), Envelope> _early = [];
    private readonly CancellationTokenSource _stopping = new();
    private readonly Dictionary<int, (ReplyContext Reply, int Messages)> _acks = [];
    private QuerySpec _spec = null!;
    private LocalQuery _query = null!;
    private InstanceHost? _host;
    private Mailbox? _mailbox;
    private CreditGate _credits = null!;
    private IQueryGrain _coordinator = null!;
    private IInstanceGrain?[] _instances = [];
    private long[] _expected = [];
    private TurnRequest? _waiting;
    private CoreYield _yield;
    private bool _pumping;
    private bool _retired;
    private volatile bool _over; // retired or failed: drop messages
    private readonly Dictionary<Message, long> _enqueuedAt = new(ReferenceEqualityComparer.Instance); // only with an OnProcessed hook

    private string Name => _spec.Instances[_host!.Index];

    public Task<string> Start(QuerySpec spec, int index)
    {
        if (_host is not null) throw new InvalidOperationException($"Instance {this.GetPrimaryKeyString()} was started twice.");
        _spec = spec;
        _query = LocalQueries.Acquire(spec);
        _coordinator = grains.GetGrain<IQueryGrain>(spec.Key);
        _instances = new IInstanceGrain?[spec.Instances.Length];
        _credits = new CreditGate(spec.MaxInFlightMessages);
        var host = _query.CreateHost(index, () => _coordinator.SinkEnded(index));
        host.Bind(this);
        _mailbox = host.Node.Kind == Dataflow.NodeKind.Source ? null : new Mailbox(host.ChannelCount);
        _expected = new long[Math.Max(1, host.ChannelCount)];
        _host = host;
        DelayDeactivation(TimeSpan.FromDays(1)); // stays active while its query runs; Retire lets it go
        return Task.FromResult(RuntimeIdentity);
    }

    public Task Run()
    {
        if (_host is null) return Task.CompletedTask;
        var start = _host.Node.Accept(new SourceStarter(new SourceRun(this)));
        if (start is not null) _ = Task.Run(() => start(_host)); // reads on the thread pool, like the embedded runtime's driver
        return Task.CompletedTask;
    }

    public Task Push(Envelope envelope)
    {
        if (!Arrived(envelope)) return Task.CompletedTask;
        foreach (var ready in InOrder(envelope))
        {
            var message = ready.Message;
            long rank = silo.Options.Policy!.Rank(message.Context, ready.SentAt);
            long enqueued = ProcessingClock.Next();
            if (silo.Options.OnProcessed is not null) _enqueuedAt[message] = enqueued;
            _mailbox!.Enqueue(message, rank, enqueued);
            if (!_pumping)
            {
                _pumping = true;
                _ = PumpAsync();
            }
            else if (_waiting is { IsGranted: false } w && rank < w.Rank)
            {
                silo.Scheduler!.Raise(w, rank);
            }
        }
        return Task.CompletedTask;
    }

    public async Task PushInOrder(Envelope envelope)
    {
        if (!Arrived(envelope)) return;
        foreach (var ready in InOrder(envelope))
        {
            var message = ready.Message;
            long enqueued = ProcessingClock.Next();
            while (!_over && _credits.InFlight >= _credits.Capacity) await _credits.WaitAsync(CancellationToken.None);
            Execute(message, PhysicalTime.Now(_query.Context.Clock), enqueued);
            SendAcks();
        }
    }

    public Task Ack(ReplyContext reply, int messages)
    {
        if (_host is null) return Task.CompletedTask; // a late acknowledgement to a retired instance
        _host.Downstream.Apply(reply);
        for (int i = 0; i < messages; i++) _credits.Done();
        return Task.CompletedTask;
    }

    public Task<bool> Probe() => Task.FromResult(_host is not null);

    public Task<string> Describe()
    {
        if (_host is null) return Task.FromResult($"{this.GetPrimaryKeyString()}: no state");
        var scheduler = silo.Scheduler;
        string turn = _waiting is { IsGranted: false } w ? $"waiting for a turn at rank {w.Rank}" : _pumping ? "pumping" : "idle";
        return Task.FromResult($"{Name} @ {RuntimeIdentity}: mailbox {_mailbox?.Count ?? 0} (best rank {_mailbox?.BestRank ?? long.MaxValue}), "
            + $"out of order {_early.Count}, unacknowledged {_credits.InFlight}/{_credits.Capacity}, {turn}"
            + (scheduler is null ? "" : $"; silo head rank {scheduler.HeadRank}, {scheduler.FreeTurns} of {scheduler.Turns} turns free")
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
        _stopping.Cancel();
        _credits?.Open();
        while (_mailbox is { Count: > 0 }) _mailbox.Dequeue().Release();
        DeactivateOnIdle();
        return Task.CompletedTask;
    }

    void ITransport.Send(int target, Message message)
    {
        if (_over)
        {
            message.Release();
            return;
        }
        var key = (target, message.Channel);
        _sent.TryGetValue(key, out long sequence);
        _sent[key] = sequence + 1;
        _credits.Add();
        var receiver = Instance(target);
        var envelope = new Envelope(message, sequence, PhysicalTime.Now(_query.Context.Clock));
        if (silo.Scheduler is null) receiver.PushInOrder(envelope);
        else receiver.Push(envelope);
    }

    /// <summary>Acknowledgements are gathered per sender and sent when the grain yields (see <see cref="SendAcks"/>).</summary>
    void ITransport.Reply(int sender, in ReplyContext reply)
    {
        _acks.TryGetValue(sender, out var pending);
        _acks[sender] = (reply, pending.Messages + 1);
    }

    /// <summary>One acknowledgement per sender for everything processed since the last call: the latest costs, and all the credits.</summary>
    private void SendAcks()
    {
        foreach (var (sender, (reply, messages)) in _acks) Instance(sender).Ack(reply, messages);
        _acks.Clear();
    }

    /// <summary>False if the message cannot be processed here: the query is over, or this activation has lost its state.</summary>
    private bool Arrived(Envelope envelope)
    {
        if (_host is not null) return !_over;
        // A fresh activation receiving data: the instance's silo died (or it was deactivated) and its state is gone.
        string key = this.GetPrimaryKeyString();
        grains.GetGrain<IQueryGrain>(key[..key.LastIndexOf('/')]).Failed(
            key, $"operator instance {key} lost its state: it was re-activated on {RuntimeIdentity} after its silo died; the query cannot continue without it");
        envelope.Message.Release();
        DeactivateOnIdle();
        return false;
    }

    /// <summary>The envelopes that can be processed now that <paramref name="envelope"/> arrived, in their channel's order.</summary>
    private IEnumerable<Envelope> InOrder(Envelope envelope)
    {
        int channel = envelope.Message.Channel;
        if (envelope.Sequence != _expected[channel])
        {
            _early[(channel, envelope.Sequence)] = envelope;
            yield break;
        }
        _expected[channel]++;
        yield return envelope;
        while (_early.Remove((channel, _expected[channel]), out var next))
        {
            _expected[channel]++;
            yield return next;
        }
    }

    /// <summary>Processes the mailbox, one turn at a time, for as long as it has messages.</summary>
    private async Task PumpAsync()
    {
        var scheduler = silo.Scheduler!;
        var mailbox = _mailbox!;
        try
        {
            while (mailbox.Count > 0 && !_over)
            {
                if (_credits.InFlight >= _credits.Capacity)
                {
                    await _credits.WaitAsync(CancellationToken.None);
                    continue;
                }
                var turn = _waiting = scheduler.Request(mailbox.BestRank, _host!.Cost.PerMessage);
                await turn.Granted;
                _waiting = null;
                long started = Stopwatch.GetTimestamp();
                try
                {
                    do
                    {
                        long rank = mailbox.BestRank;
                        turn.Current = rank;
                        var message = mailbox.Dequeue();
                        Execute(message, rank, _enqueuedAt.Remove(message, out long enqueued) ? enqueued : -1);
                        if (!turn.Urgent) _yield.AfterMessage();
                    }
                    while (mailbox.Count > 0 && !_over
                        && !Outranked(mailbox.BestRank, scheduler.HeadRank)
                        && _credits.InFlight < _credits.Capacity
                        && Stopwatch.GetTimestamp() - started < silo.QuantumTicks);
                }
                finally
                {
                    scheduler.Release(turn);
                    SendAcks();
                }
            }
        }
        finally
        {
            _pumping = false;
        }
    }

    /// <summary>
    /// Whether a waiting grain's message is clearly more urgent than this grain's next one. Ranks
    /// within a quantum of each other count as equal: handing a turn over costs two thread-pool hops,
    /// which is not worth a sub-quantum gain in deadline order (and grains of one bulk query would
    /// otherwise hand the turn back and forth after every message).
    /// </summary>
    private bool Outranked(long mine, long head) => head < mine && mine - head > silo.RankSlack;

    private void Execute(Message message, long rank, long enqueued)
    {
        if (_over)
        {
            message.Release();
            return;
        }
        var host = _host!;
        silo.Options.OnProcessed?.Invoke(new ProcessedMessage(RuntimeIdentity, _spec.Name, host.Index, rank, enqueued, ProcessingClock.Next()));
        try
        {
            host.Process(message);
        }
        catch (Exception ex)
        {
            _over = true;
            _coordinator.Failed(Name, ex.Message);
            return;
        }
        if (_spec.Catalog is not null && host.Node.Kind == Dataflow.NodeKind.Sink) ReportResults();
    }

    private void ReportResults()
    {
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
        _instances[index] ??= grains.GetGrain<IInstanceGrain>($"{_spec.Key}/{index}");

    /// <summary>What the shared source driver needs from a source instance grain.</summary>
    private sealed class SourceRun(InstanceGrain grain) : ISourceRun
    {
        public QueryContext Context => grain._query.Context;
        public int BatchSize => grain._query.BatchSize;
        public CancellationToken StoppingToken => grain._stopping.Token;
        public bool Failed => grain._over;
        public ValueTask WaitForCreditAsync(CancellationToken cancellationToken) => grain._credits.WaitAsync(cancellationToken);

        public void Fail(Exception error, InstanceHost? where)
        {
            grain._over = true;
            grain._coordinator.Failed(grain.Name, error.Message);
        }
    }
}
