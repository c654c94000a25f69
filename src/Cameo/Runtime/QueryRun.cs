using Cameo.Checkpoints;
using Cameo.Dataflow;
using Cameo.Execution;
using Cameo.Messages;
using Cameo.Scheduling;
using Cameo.Scheduling.Core;
using Cameo.Time;

namespace Cameo.Runtime;

/// <summary>
/// One query deployed on the embedded runtime: its instances, its credit gate, and its fate.
/// It is also the query's transport: sending a message ranks it by the policy and puts it in the
/// receiver's mailbox; a reply updates the sender's knowledge of downstream costs in place.
/// </summary>
internal sealed class QueryRun : ITransport, IDeployedQuery, ISourceRun
{
    private readonly IActorScheduler _runtime;
    private readonly QueryCompletion _completion;

    public QueryRun(IActorScheduler runtime, QueryContext context, PhysicalPlan plan, DeployOptions options)
    {
        _runtime = runtime;
        Context = context;
        Plan = plan;
        Gate = new CreditGate(options.MaxInFlightMessages);
        BatchSize = options.BatchSize;
        int batchSize = options.BatchSize;
        context.RunsEndActions = true;
        _completion = new QueryCompletion(context.Name, plan.SinkInstances, context.RunEndActionsAsync);
        Hosts = HostFactory.CreateAll(context, plan, batchSize, _completion.SinkEnded);
        Actors = [.. Hosts.Select(h => h.Node.Kind == NodeKind.Source && !runtime.RunsSources ? null : new Actor(h, this))];
        foreach (var host in Hosts) host.Bind(this);
        // Refused at definition rather than losing an operator's state silently on recovery.
        if (context.Checkpoints is not null && Hosts.Select(h => h.CheckpointGap).FirstOrDefault(g => g is not null) is { } gap)
            throw new QueryDefinitionException(context.Name, gap);
    }

    public QueryContext Context { get; }
    public PhysicalPlan Plan { get; }
    public InstanceHost[] Hosts { get; }

    /// <summary>
    /// Scheduled actors, by instance index. A source's actor runs its <see cref="SourceDriver"/>'s
    /// steps (<see cref="SourceTurns"/>); null for sources where the runtime leaves them to the thread pool.
    /// </summary>
    public Actor?[] Actors { get; }

    public CreditGate Gate { get; }
    public int BatchSize { get; }

    /// <summary>Cancelled to stop the sources.</summary>
    public CancellationTokenSource Stopping { get; } = new();

    CancellationToken ISourceRun.StoppingToken => Stopping.Token;

    ValueTask ISourceRun.WaitForCreditAsync(CancellationToken cancellationToken) => Gate.WaitAsync(cancellationToken);

    ValueTask ISourceRun.WaitForCreditAsync(Func<PriorityContext?> waiter, CancellationToken cancellationToken)
    {
        if (!Gate.IsFull || waiter() is not { } context) return Gate.WaitAsync(cancellationToken);
        return InheritWhileWaitingAsync(_runtime.Policy.Rank(context, PhysicalTime.Now(Context.Clock)), cancellationToken);
    }

    /// <summary>The rank lent to this query's actors while a more urgent sender waits for its credits (<see cref="long.MaxValue"/>: none).</summary>
    private long _inherited = long.MaxValue;
    private readonly Lock _lending = new();

    /// <summary>
    /// Lends <paramref name="rank"/> to every actor of the query until the gate opens: the messages
    /// holding the credits, and those they send on, run at the waiting sender's urgency (a more
    /// urgent loan replaces a lesser one). The gate opens for every waiter at once, so the first to
    /// get through takes the loan back.
    /// </summary>
    private async ValueTask InheritWhileWaitingAsync(long rank, CancellationToken cancellationToken)
    {
        Lend(rank);
        try
        {
            await Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            Lend(long.MaxValue);
        }
    }

    private void Lend(long rank)
    {
        lock (_lending)
        {
            if (rank != long.MaxValue && rank >= _inherited) return;
            _inherited = rank;
            foreach (var actor in Actors)
                if (actor is not null && actor.Host.Node.Kind != NodeKind.Source) _runtime.Inherit(actor, rank);
        }
    }

    /// <summary>Completes when every sink has seen the end of its input, or faults when the query fails.</summary>
    public Task Completion => _completion.Task;

    public bool Failed => _completion.IsFailed;

    public void Stop() => Stopping.Cancel();

    public Exception? Failure => _completion.Failure;

    /// <summary>Messages in the actors' mailboxes (read without their locks: a gauge, not an invariant).</summary>
    public int? QueuedMessages
    {
        get
        {
            int queued = 0;
            foreach (var actor in Actors) if (actor is not null) queued += actor.Mailbox.Count;
            return queued;
        }
    }

    public int? CreditsInUse => Gate.InFlight;

    public void Send(int target, Message message)
    {
        var actor = Actors[target]!;
        long now = PhysicalTime.Now(Context.Clock);
        long rank = _runtime.Policy.Rank(message.Context, now);
        Gate.Add();
        _runtime.Enqueue(actor, message, rank);
    }

    public void Reply(int sender, in ReplyContext reply) => Hosts[sender].Downstream.Apply(reply);

    /// <summary>Processes one message of <paramref name="actor"/> (or drops it if the query has failed) and returns its credit.</summary>
    public void Execute(Actor actor, Message message)
    {
        if (message is SourceTurns.Step step)
        {
            step.Run(); // a source's own step holds no credit; it runs even after a failure, to see that and end
            return;
        }
        if (Failed) message.Release();
        else
        {
            try
            {
                actor.Host.Process(message);
            }
            catch (Exception ex)
            {
                Fail(ex, actor.Host);
            }
        }
        Gate.Done();
    }

    /// <summary>Starts a driver for each source instance (on its actor's turns where the runtime runs sources); in a checkpointed query, after recovering from the last checkpoint.</summary>
    public void StartSources()
    {
        if (Context.Checkpoints is CheckpointCoordinator checkpoints)
        {
            _ = RecoverAndStartAsync(checkpoints);
            return;
        }
        StartDrivers();
    }

    private void StartDrivers()
    {
        for (int i = 0; i < Hosts.Length; i++)
            if (Hosts[i].Node.Kind == NodeKind.Source)
                _ = SourceDriver.Start(Hosts[i], this, Actors[i] is { } actor ? new SourceTurns(actor, _runtime) : null);
    }

    /// <summary>Loads the query's last checkpoint, puts every instance back in its saved state, then starts the sources and the checkpoints.</summary>
    private async Task RecoverAndStartAsync(CheckpointCoordinator checkpoints)
    {
        try
        {
            await checkpoints.RecoverAsync(Stopping.Token).ConfigureAwait(false);
            // Instances restore in parallel: each deserializes only its own state, and a large window's takes seconds.
            Parallel.ForEach(Hosts, host => host.RestoreCheckpoint());
        }
        catch (Exception ex)
        {
            Fail(ex, null);
            return;
        }
        StartDrivers();
        checkpoints.Start();
    }

    /// <summary>
    /// Marks the query failed: its sources stop, its queued messages are dropped, its sinks are
    /// aborted with the failure (a channel completes with it, a file is flushed and closed), and
    /// <see cref="Completion"/> faults. Other queries are untouched.
    /// </summary>
    public void Fail(Exception error, InstanceHost? where)
    {
        string? failedIn = where?.OperatorOf(error);
        _completion.Fail(failedIn, error, failure =>
        {
            Execution.QueryLog.QueryFailed(Context.Logger, error, Context.Name, failedIn ?? "its runtime");
            Stopping.Cancel();
            Gate.Open();
            foreach (var host in Hosts) (host as ISinkInstance)?.Abort(failure);
        });
    }

    /// <inheritdoc/>
    public void Abort(Exception reason) => Fail(reason, null);
}

/// <summary>What a runtime offers the actors of its queries.</summary>
internal interface IActorScheduler
{
    ISchedulingPolicy Policy { get; }

    /// <summary>True if sources' drivers run as turns of their actors (<see cref="SourceTurns"/>); false to leave them to the thread pool.</summary>
    bool RunsSources { get; }

    /// <summary>Puts <paramref name="message"/>, ranked <paramref name="rank"/>, in <paramref name="actor"/>'s mailbox and makes sure it will run.</summary>
    void Enqueue(Actor actor, Message message, long rank);

    /// <summary>Lends <paramref name="actor"/> <paramref name="rank"/> (<see cref="PriorityMailbox.InheritedRank"/>; <see cref="long.MaxValue"/> takes it back) and, if it waits to run, re-queues it at its new best rank.</summary>
    void Inherit(Actor actor, long rank);
}
