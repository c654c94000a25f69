using Cameo.Dataflow;
using Cameo.Execution;
using Cameo.Operators;
using Cameo.Scheduling;
using Cameo.Time;

namespace Cameo.Runtime;

/// <summary>
/// What a <see cref="SourceDriver"/> needs from the runtime running a source instance: the query's
/// context, its credits (backpressure), its stop signal, and where to report a failure. The
/// embedded runtime implements it once per query; the Orleans runtime once per source grain.
/// </summary>
public interface ISourceRun
{
    QueryContext Context { get; }

    /// <summary>Most records per message (per read).</summary>
    int BatchSize { get; }

    /// <summary>Cancelled to stop the sources.</summary>
    CancellationToken StoppingToken { get; }

    /// <summary>The query has failed: the driver ends without finishing the stream.</summary>
    bool Failed { get; }

    /// <summary>Completes when the source may inject more messages (credit-based backpressure).</summary>
    ValueTask WaitForCreditAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Completes when the source may inject more messages, for a sender whose work is more urgent
    /// than this query's (a shared stream read by tighter queries too): while it waits, the query's
    /// queued messages are scheduled at least as urgently as the sender's next work (priority
    /// inheritance), so a lax reader holding up its stream catches up at the urgency of the readers
    /// it holds up, instead of when its own deadlines come. By default no urgency is lent.
    /// </summary>
    /// <param name="waiter">The context of the work the sender would send next; asked only if the sender must wait.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    ValueTask WaitForCreditAsync(Func<PriorityContext?> waiter, CancellationToken cancellationToken) => WaitForCreditAsync(cancellationToken);

    /// <summary>The source threw: fail the query.</summary>
    void Fail(Exception error, InstanceHost? where);

    /// <summary>
    /// Waits until the runtime lets the source hand a batch of records that arrived now to its query,
    /// in deadline order with the rest of the runtime's work; the batch is handed over before the
    /// result is disposed. By default at once: the embedded runtime runs every step of the driver
    /// as a turn of its own (<see cref="SourceTurns"/>); a silo grants one of its turns.
    /// </summary>
    ValueTask<IDisposable?> EnterIngestAsync(CancellationToken cancellationToken) => default;
}

/// <summary>
/// Reads one source instance in a loop and hands each batch to its host. Waits for credit before
/// each read, so a query that falls behind stops reading instead of piling up messages. When
/// stopped, it ends the stream so that windows flush. Every runtime drives its sources with it;
/// the task scheduler it is started on runs its steps (between them it waits on the clock, on
/// credit or on I/O without holding a thread): the embedded runtime's workers
/// (<see cref="SourceTurns"/>), or the thread pool.
/// </summary>
public static class SourceDriver
{
    /// <summary>Starts driving <paramref name="host"/> if it is a source instance; null (nothing started) for any other instance.</summary>
    /// <returns>Completes when the source has ended (or failed, which <paramref name="run"/> was told).</returns>
    /// <param name="host">The instance.</param>
    /// <param name="run">What the driver needs of the runtime.</param>
    /// <param name="scheduler">Runs the driver's steps; the thread pool if null.</param>
    public static Task? Start(InstanceHost host, ISourceRun run, TaskScheduler? scheduler = null) =>
        host.Node.Accept(new SourceStarter(run)) is { } drive
            ? Task.Factory.StartNew(() => drive(host), CancellationToken.None, TaskCreationOptions.DenyChildAttach, scheduler ?? TaskScheduler.Default).Unwrap()
            : null;

    // The awaits below keep the scheduler the driver was started on (no ConfigureAwait(false)):
    // that is what runs each step of the loop.
    internal static async Task RunAsync<T>(SourceHost<T> host, ISourceRun query)
    {
        if (host.Node is SourceNode<T> { Source: SharedSource<T> shared })
        {
            await shared.Feed.RunConsumerAsync(host, query).ConfigureAwait(false);
            return;
        }
        var clock = query.Context.Clock;
        var token = query.StoppingToken;
        var items = new T[query.BatchSize];
        var arrivals = new long[query.BatchSize];
        var checkpoints = query.Context.Checkpoints;
        ICheckpointedReader? checkpointed = null;
        long injected = 0;
        try
        {
            await using var reader = host.OpenReader();
            if (checkpoints is not null)
            {
                checkpointed = reader as ICheckpointedReader
                    ?? throw new NotSupportedException($"{host.Node.Name} cannot be checkpointed: its reader ({reader.GetType().Name}) does not implement ICheckpointedReader.");
                if (checkpoints.Restored(host.Index)?.SourcePosition is { } position) await checkpointed.RestoreAsync(position, token);
                checkpoints.Register(host.Index, checkpointed);
                injected = checkpoints.StartedAfter;
            }
            // A step (from one resumption to the next) is bounded like a message's cost: with a
            // backlog and credit to spare, reads and credits complete at once, and a source catching
            // up would otherwise hold its thread (on the embedded runtime, a worker) until its
            // credit runs out.
            long stepBound = query.Context.MaxMessageCostTicks;
            long stepStart = clock.GetTimestamp();
            while (!token.IsCancellationRequested)
            {
                // A requested checkpoint's barrier goes out after the last record of the previous read.
                if (checkpointed is not null && checkpoints!.Requested > injected)
                {
                    injected = checkpoints.Requested;
                    host.InjectBarrier(injected, checkpointed.Position);
                }
                await query.WaitForCreditAsync(token);
                long now = PhysicalTime.Now(clock);
                var read = await reader.ReadAsync(items, arrivals, now, token);
                if (read.Count > 0)
                {
                    using (await query.EnterIngestAsync(token)) host.Ingest(items, reader.StampsArrival ? arrivals : null, read.Count, now);
                }
                if (read.Completed)
                {
                    if (checkpointed is not null)
                    {
                        host.Finish(PhysicalTime.Now(clock));
                        checkpoints!.Ended(host.Index, host.FinalState(checkpointed.Position), source: true);
                        return;
                    }
                    break;
                }
                if (read.Count == 0)
                {
                    // Timers tick in milliseconds: a shorter delay completes at once, and a source
                    // whose next event is due in microseconds would spin a core away from the workers.
                    // Events due meanwhile are read on the next tick, stamped with their due times.
                    long wait = Math.Max(read.NotBefore - now, TimeSpan.TicksPerMillisecond);
                    await Pacer.DelayAsync(TimeSpan.FromTicks(wait), clock, token);
                    stepStart = clock.GetTimestamp();
                }
                else if (clock.GetElapsedTime(stepStart).Ticks >= stepBound)
                {
                    await Task.Yield();
                    stepStart = clock.GetTimestamp();
                }
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // stopped: fall through and end the stream so windows flush
        }
        catch (Exception ex)
        {
            query.Fail(ex, host);
            return;
        }
        if (!query.Failed) host.Finish(PhysicalTime.Now(clock));
    }
}

/// <summary>Starts a source host's driver without the runtime knowing the record type.</summary>
internal sealed class SourceStarter(ISourceRun query) : Dataflow.INodeVisitor<Func<InstanceHost, Task>?>
{
    public Func<InstanceHost, Task>? VisitSource<T>(Dataflow.SourceNode<T> node) => h => SourceDriver.RunAsync((SourceHost<T>)h, query);
    public Func<InstanceHost, Task>? VisitUnary<TIn, TOut>(Dataflow.UnaryNode<TIn, TOut> node) => null;
    public Func<InstanceHost, Task>? VisitBinary<TLeft, TRight, TOut>(Dataflow.BinaryNode<TLeft, TRight, TOut> node) => null;
    public Func<InstanceHost, Task>? VisitSink<T>(Dataflow.SinkNode<T> node) => null;
}
