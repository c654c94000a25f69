using Cameo.Execution;
using Cameo.Operators;
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

    /// <summary>The source threw: fail the query.</summary>
    void Fail(Exception error, InstanceHost? where);
}

/// <summary>
/// Reads one source instance in a loop on the thread pool (not on a worker: reading may wait on
/// I/O or on the clock), and hands each batch to its host. Waits for credit before each read, so a
/// query that falls behind stops reading instead of piling up messages. When stopped, it ends the
/// stream so that windows flush. Every runtime drives its sources with it.
/// </summary>
public static class SourceDriver
{
    /// <summary>Starts driving <paramref name="host"/> if it is a source instance; null (nothing started) for any other instance.</summary>
    /// <returns>Completes when the source has ended (or failed, which <paramref name="run"/> was told).</returns>
    public static Task? Start(InstanceHost host, ISourceRun run) => host.Node.Accept(new SourceStarter(run))?.Invoke(host);

    internal static async Task RunAsync<T>(SourceHost<T> host, ISourceRun query)
    {
        await Task.Yield();
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
                if (checkpoints.Restored(host.Index)?.SourcePosition is { } position) await checkpointed.RestoreAsync(position, token).ConfigureAwait(false);
                checkpoints.Register(host.Index, checkpointed);
                injected = checkpoints.StartedAfter;
            }
            while (!token.IsCancellationRequested)
            {
                // A requested checkpoint's barrier goes out after the last record of the previous read.
                if (checkpointed is not null && checkpoints!.Requested > injected)
                {
                    injected = checkpoints.Requested;
                    host.InjectBarrier(injected, checkpointed.Position);
                }
                await query.WaitForCreditAsync(token).ConfigureAwait(false);
                long now = PhysicalTime.Now(clock);
                var read = await reader.ReadAsync(items, arrivals, now, token).ConfigureAwait(false);
                if (read.Count > 0) host.Ingest(items, reader.StampsArrival ? arrivals : null, read.Count, now);
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
                    await Pacer.DelayAsync(TimeSpan.FromTicks(wait), clock, token).ConfigureAwait(false);
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
