using Cameo.Execution;
using Cameo.Operators;
using Cameo.Time;

namespace Cameo.Runtime;

/// <summary>What a source driver needs from the runtime running its query.</summary>
internal interface ISourceRun
{
    QueryContext Context { get; }
    int BatchSize { get; }

    /// <summary>Cancelled to stop the sources.</summary>
    CancellationToken StoppingToken { get; }

    bool Failed { get; }

    /// <summary>Completes when the source may inject more messages (credit-based backpressure).</summary>
    ValueTask WaitForCreditAsync(CancellationToken cancellationToken);

    void Fail(Exception error, InstanceHost? where);
}

/// <summary>
/// Reads one source instance in a loop on the thread pool (not on a worker: reading may wait on
/// I/O or on the clock), and hands each batch to its host. Waits on the query's credit gate before
/// each read, so a query that falls behind stops reading instead of piling up messages.
/// </summary>
internal static class SourceDriver
{
    public static async Task RunAsync<T>(SourceHost<T> host, ISourceRun query)
    {
        await Task.Yield();
        var clock = query.Context.Clock;
        var token = query.StoppingToken;
        var items = new T[query.BatchSize];
        var arrivals = new long[query.BatchSize];
        try
        {
            await using var reader = host.OpenReader();
            while (!token.IsCancellationRequested)
            {
                await query.WaitForCreditAsync(token).ConfigureAwait(false);
                long now = PhysicalTime.Now(clock);
                var read = await reader.ReadAsync(items, arrivals, now, token).ConfigureAwait(false);
                if (read.Count > 0) host.Ingest(items, reader.StampsArrival ? arrivals : null, read.Count, now);
                if (read.Completed) break;
                if (read.Count == 0)
                {
                    long wait = read.NotBefore > now ? read.NotBefore - now : TimeSpan.TicksPerMillisecond;
                    await Task.Delay(TimeSpan.FromTicks(Math.Max(wait, 1)), clock, token).ConfigureAwait(false);
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
