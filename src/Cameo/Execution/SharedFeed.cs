using Cameo.Operators;
using Cameo.Runtime;
using Cameo.Scheduling;
using Cameo.Time;

namespace Cameo.Execution;

/// <summary>What the routers of a shared stream need of the queries it feeds: their view for <see cref="ContextConverter.MostUrgent"/>.</summary>
internal interface ISharedConsumers
{
    /// <summary>How many consumers are attached (an upper bound for <see cref="Fill"/>).</summary>
    int Count { get; }

    /// <summary>Writes the live consumers' current views into <paramref name="into"/>; returns how many.</summary>
    int Fill(Span<SharedConsumer> into);
}

/// <summary>
/// The hand-over from a shared stream to the queries that read it: the shared part's sink instance
/// <c>i</c> passes each batch, with its records' event times and arrival, to source instance
/// <c>i</c> of every consuming query (<see cref="SourceHost{T}.IngestStamped"/>), on the shared
/// part's worker, with no copy into a queue. Each consumer makes its own watermark from the
/// records as a source would, and its own forecast of arrivals; its metrics, failure and completion
/// stay its own. A consumer that fails or stops is detached and the others go on being fed; the
/// shared part reads only as fast as its slowest live consumer takes messages (its credits), and
/// while it waits for one, that consumer's queued work inherits the urgency of the stream's most
/// urgent reader (<see cref="WaitForConsumersAsync"/>).
/// With checkpoints on, a consumer's source injects each requested barrier at the hand-over, behind
/// the records handed over so far (its position is their count): the consumer's own state is
/// checkpointed consistently. The shared part itself keeps no checkpoint: a resumed consumer's
/// operators restart from its checkpoint, and the shared stream from its source's beginning.
/// </summary>
internal sealed class SharedFeed<T>(string name, int queryId, int parallelism, long watermarkDelayMs) : ISharedConsumers
{
    private sealed class Attachment(SourceHost<T> host)
    {
        /// <summary>Asked for the context to lend while the source waits for this consumer's credits (one delegate per consumer, not per wait).</summary>
        public Func<PriorityContext?>? MostUrgentReader;

        public readonly SourceHost<T> Host = host;
        public readonly Lock Lock = new();
        public readonly TaskCompletionSource Finished = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public volatile ISourceRun? Run;
        public bool Detached;   // under Lock
        public bool Done;       // under Lock: the host has been finished
        public long Handed;     // under Lock: records handed over (the consumer source's position)
        public long Injected = long.MinValue; // under Lock: the last checkpoint whose barrier went out

        /// <summary>
        /// Under <see cref="Lock"/>: with checkpoints on, sends the barrier of a newly requested
        /// checkpoint behind every record handed over so far, as a source does between reads.
        /// </summary>
        public void InjectRequestedBarrier()
        {
            if (Host.Query.Checkpoints is not { } checkpoints) return;
            if (Injected == long.MinValue) Injected = checkpoints.StartedAfter;
            if (checkpoints.Requested <= Injected) return;
            Injected = checkpoints.Requested;
            Host.InjectBarrier(Injected, Operators.SourcePosition.Of(Handed));
        }

        /// <summary>The consumer's source has ended (<see cref="Done"/> set); with checkpoints on, it takes part in no more barriers.</summary>
        public void Finish(long now)
        {
            Host.Finish(now);
            Host.Query.Checkpoints?.Ended(Host.Index, Host.FinalState(Operators.SourcePosition.Of(Handed)), source: true);
        }
    }

    private readonly Lock _attaching = new();
    private Attachment[] _all = [];
    private volatile bool _drainOnStop;

    public string Name { get; } = name;

    /// <summary>Instances of the shared part's last operator: each feeds the same instance of every consumer's source.</summary>
    public int Parallelism { get; } = parallelism;

    public long WatermarkDelayMs { get; } = watermarkDelayMs;

    /// <summary>The shared part's completion: faults if it fails (then every consumer fails).</summary>
    public Task Completion { get; set; } = Task.CompletedTask;

    public int Count => Volatile.Read(ref _all).Length;

    /// <summary>Attaches a consumer's source instance (as it is created, before anything flows).</summary>
    public void Attach(SourceHost<T> host)
    {
        lock (_attaching) Volatile.Write(ref _all, [.. _all, new Attachment(host)]);
    }

    public int Fill(Span<SharedConsumer> into)
    {
        var all = Volatile.Read(ref _all);
        int n = 0;
        foreach (var a in all)
        {
            if (a.Detached || a.Host.Partition != 0) continue; // one view per query (its instances share the query's costs)
            if (n == into.Length) break;
            var q = a.Host.Query;
            into[n++] = new SharedConsumer(q.LatencyTargetTicks, a.Host.Node.ReleasePaths, q.Frontier, q.WatermarkDelayMs,
                a.Host.Cost.PerMessage + a.Host.Downstream.CriticalPath);
        }
        return n;
    }

    /// <summary>Sink instance <paramref name="partition"/> of the shared part passes on a batch.</summary>
    public void Write(int partition, ReadOnlySpan<T> items, ReadOnlySpan<long> timestamps, long arrival)
    {
        foreach (var a in Volatile.Read(ref _all))
        {
            if (a.Host.Partition != partition) continue;
            lock (a.Lock)
            {
                if (a.Detached || a.Done || (a.Run?.Failed ?? false)) continue;
                a.InjectRequestedBarrier();
                a.Host.IngestStamped(items, timestamps, arrival);
                a.Handed += items.Length;
            }
        }
    }

    /// <summary>Sink instance <paramref name="partition"/> of the shared part has ended: so do the consumers' matching sources.</summary>
    public void Complete(int partition)
    {
        foreach (var a in Volatile.Read(ref _all))
        {
            if (a.Host.Partition != partition) continue;
            lock (a.Lock)
            {
                if (a.Done) continue;
                a.Done = true;
                if (!a.Detached && !(a.Run?.Failed ?? false)) a.Finish(PhysicalTime.Now(a.Host.Query.Clock));
            }
            a.Finished.TrySetResult();
        }
    }

    /// <summary>
    /// The engine is stopping every query, the shared part with its consumers: a consumer stopped
    /// from now on keeps taking what the shared part has read until the shared part ends, so every
    /// record read reaches every consumer. A consumer stopped alone detaches at once.
    /// </summary>
    public void DrainOnStop() => _drainOnStop = true;

    /// <summary>
    /// Completes when every live consumer may take more messages (backpressure for the shared
    /// part's sources). A consumer that has no credit left holds up every reader of the stream, the
    /// tightest included, however lax its own target: while the source waits for it, its queued
    /// work runs at the urgency of records arriving now for the most urgent reader
    /// (<see cref="ISourceRun.WaitForCreditAsync(Func{PriorityContext?}, CancellationToken)"/>). Without
    /// that, a reader whose target lets its work wait (by design, under a deadline policy) would
    /// set the pace of the stream, and the tight readers' records would wait unread.
    /// </summary>
    public async ValueTask WaitForConsumersAsync(CancellationToken cancellationToken)
    {
        foreach (var a in Volatile.Read(ref _all))
            if (a.Run is { } run && !a.Detached && !run.Failed)
                await run.WaitForCreditAsync(a.MostUrgentReader ??= MostUrgentReaderOf(a), cancellationToken).ConfigureAwait(false);
    }

    // A method of its own: a lambda in the loop above would allocate its closure on every wait.
    private Func<PriorityContext?> MostUrgentReaderOf(Attachment a) => () => MostUrgentReader(a.Host.Query.Clock);

    /// <summary>The context of records arriving now, as the most urgent live consumer needs them at the hand-over.</summary>
    private PriorityContext? MostUrgentReader(TimeProvider clock)
    {
        var consumers = new SharedConsumer[Count];
        int n = Fill(consumers);
        return ContextConverter.MostUrgent(queryId, PhysicalTime.Now(clock), long.MaxValue, Progress.Watermark.None, Progress.Watermark.None,
            operatorCost: 0, sharedPathBelow: 0, consumers.AsSpan(0, n));
    }

    /// <summary>
    /// Drives a consumer's source instance (in place of reading a source): it is fed by the shared
    /// part until that ends; if the consumer stops first it is detached and ends its stream (unless
    /// the engine is stopping: see <see cref="DrainOnStop"/>); if the shared part fails, the consumer fails.
    /// </summary>
    public async Task RunConsumerAsync(SourceHost<T> host, ISourceRun run)
    {
        var a = Array.Find(Volatile.Read(ref _all), x => ReferenceEquals(x.Host, host))
            ?? throw new InvalidOperationException($"{host.Node.Name} is not attached to shared stream '{Name}'.");
        a.Run = run;
        var stopped = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var registration = run.StoppingToken.Register(() => stopped.TrySetResult());
        await Task.WhenAny(a.Finished.Task, Completion, stopped.Task).ConfigureAwait(false);
        if (!a.Finished.Task.IsCompleted && !Completion.IsCompleted && _drainOnStop)
            await Task.WhenAny(a.Finished.Task, Completion).ConfigureAwait(false);
        if (a.Finished.Task.IsCompleted) return;
        lock (a.Lock)
        {
            a.Detached = true;
            if (a.Done) return;
            a.Done = true;
        }
        // Done: no hand-over touches the attachment any more.
        if (Completion.IsFaulted)
            run.Fail(new InvalidOperationException($"The shared stream '{Name}' this query reads failed.", Completion.Exception?.InnerException), host);
        else if (!run.Failed) a.Finish(PhysicalTime.Now(host.Query.Clock));
    }
}

/// <summary>A shared stream's source as a consuming query sees it: fed by the shared part, never read.</summary>
internal sealed class SharedSource<T>(SharedFeed<T> feed) : Source<T>
{
    public SharedFeed<T> Feed { get; } = feed;

    public override string Description => $"shared stream '{Feed.Name}'";

    public override int MaxParallelism => Feed.Parallelism;

    public override SourceReader<T> Open(int instance, int parallelism, SourceContext context) =>
        throw new InvalidOperationException($"{Description} is fed by its shared part and is never read.");
}

/// <summary>The shared part's end: hands every batch to the consumers (<see cref="SharedFeed{T}"/>).</summary>
internal sealed class FeedSink<T>(SharedFeed<T> feed) : Sink<T>
{
    public override string Description => $"the queries reading shared stream '{feed.Name}'";

    public override SinkWriter<T> Open(int instance) => new Writer(feed, instance);

    private sealed class Writer(SharedFeed<T> feed, int partition) : SinkWriter<T>
    {
        public override void Write(ReadOnlySpan<T> items, ReadOnlySpan<long> timestamps) =>
            throw new InvalidOperationException("A shared stream's records are passed on with their arrival.");

        public override void Write(ReadOnlySpan<T> items, ReadOnlySpan<long> timestamps, long arrival) => feed.Write(partition, items, timestamps, arrival);

        public override void Complete() => feed.Complete(partition);

        /// <summary>The shared part failed: its readers learn that from its completion, not as an end of their input.</summary>
        public override void Abort(Exception error) { }
    }
}

/// <summary>A shared part's source: reads only when every consumer may take more (see <see cref="SharedFeed{T}.WaitForConsumersAsync"/>).</summary>
internal sealed class CreditedSource<T>(Source<T> inner, Func<CancellationToken, ValueTask> waitForConsumers) : Source<T>
{
    public override string Description => inner.Description;

    public override int MaxParallelism => inner.MaxParallelism;

    public override SourceReader<T> Open(int instance, int parallelism, SourceContext context) =>
        new Reader(inner.Open(instance, parallelism, context), waitForConsumers);

    private sealed class Reader(SourceReader<T> inner, Func<CancellationToken, ValueTask> waitForConsumers) : SourceReader<T>
    {
        public override bool StampsArrival => inner.StampsArrival;

        public override async ValueTask<SourceRead> ReadAsync(T[] items, long[] arrivals, long now, CancellationToken cancellationToken)
        {
            await waitForConsumers(cancellationToken).ConfigureAwait(false);
            return await inner.ReadAsync(items, arrivals, now, cancellationToken).ConfigureAwait(false);
        }

        public override ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
