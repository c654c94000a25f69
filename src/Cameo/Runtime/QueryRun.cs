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
        _completion = new QueryCompletion(context.Name, plan.SinkInstances);
        Hosts = HostFactory.CreateAll(context, plan, batchSize, _completion.SinkEnded);
        Actors = [.. Hosts.Select(h => h.Node.Kind == NodeKind.Source ? null : new Actor(h, this))];
        foreach (var host in Hosts) host.Bind(this);
    }

    public QueryContext Context { get; }
    public PhysicalPlan Plan { get; }
    public InstanceHost[] Hosts { get; }

    /// <summary>Scheduled actors, by instance index; null for sources (driven by <see cref="SourceDriver"/>).</summary>
    public Actor?[] Actors { get; }

    public CreditGate Gate { get; }
    public int BatchSize { get; }

    /// <summary>Cancelled to stop the sources.</summary>
    public CancellationTokenSource Stopping { get; } = new();

    CancellationToken ISourceRun.StoppingToken => Stopping.Token;

    ValueTask ISourceRun.WaitForCreditAsync(CancellationToken cancellationToken) => Gate.WaitAsync(cancellationToken);

    /// <summary>Completes when every sink has seen the end of its input, or faults when the query fails.</summary>
    public Task Completion => _completion.Task;

    public bool Failed => _completion.IsFailed;

    public void Stop() => Stopping.Cancel();

    public Exception? Failure => _completion.Failure;

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

    /// <summary>Starts a driver for each source instance; in a checkpointed query, after recovering from the last checkpoint.</summary>
    public void StartSources()
    {
        if (Context.Checkpoints is CheckpointCoordinator checkpoints)
        {
            _ = RecoverAndStartAsync(checkpoints);
            return;
        }
        foreach (var host in Hosts) _ = SourceDriver.Start(host, this);
    }

    /// <summary>Loads the query's last checkpoint, puts every instance back in its saved state, then starts the sources and the checkpoints.</summary>
    private async Task RecoverAndStartAsync(CheckpointCoordinator checkpoints)
    {
        try
        {
            await checkpoints.RecoverAsync(Stopping.Token).ConfigureAwait(false);
            foreach (var host in Hosts) host.RestoreCheckpoint();
        }
        catch (Exception ex)
        {
            Fail(ex, null);
            return;
        }
        foreach (var host in Hosts) _ = SourceDriver.Start(host, this);
        checkpoints.Start();
    }

    /// <summary>Marks the query failed: its sources stop, its queued messages are dropped, and <see cref="Completion"/> faults. Other queries are untouched.</summary>
    public void Fail(Exception error, InstanceHost? where)
    {
        string? failedIn = where?.OperatorOf(error);
        if (!_completion.Fail(failedIn, error)) return;
        Execution.QueryLog.QueryFailed(Context.Logger, error, Context.Name, failedIn ?? "its runtime");
        Stopping.Cancel();
        Gate.Open();
    }
}

/// <summary>What a runtime offers the actors of its queries.</summary>
internal interface IActorScheduler
{
    ISchedulingPolicy Policy { get; }

    /// <summary>Puts <paramref name="message"/>, ranked <paramref name="rank"/>, in <paramref name="actor"/>'s mailbox and makes sure it will run.</summary>
    void Enqueue(Actor actor, Message message, long rank);
}
