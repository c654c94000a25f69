using Cameo.Checkpoints;
using Cameo.Dataflow;
using Cameo.Execution;
using Cameo.Metrics;
using Cameo.Runtime;
using Cameo.Scheduling;

namespace Cameo;

/// <summary>
/// Runs many queries on one shared pool of workers, each toward its own latency target.
/// </summary>
/// <example>
/// <code>
/// await using var engine = new CameoEngine();
/// engine.AddQuery("errors", TimeSpan.FromMilliseconds(50), q => q
///     .From(Source.From(logLines))
///     .Where(line => line.Contains("ERROR"))
///     .To(Sink.Call&lt;string&gt;(Console.WriteLine)));
/// await engine.RunAsync();
/// </code>
/// </example>
public sealed class CameoEngine : IAsyncDisposable
{
    private readonly EngineOptions _options;
    private readonly IQueryRuntime _runtime;
    private readonly List<QueryHandle> _queries = [];
    // Each shared stream by name, with what makes its consumers drain it when the engine stops.
    private readonly Dictionary<string, Action> _streams = [];
    private int _nextId; // query ids, shared streams' included: dense, as policies index them

    public CameoEngine(EngineOptions? options = null)
    {
        _options = options ?? new EngineOptions();
        _options.ThrowIfInvalid();
        _runtime = _options.Runtime(_options);
        Telemetry = CameoTelemetry.For(_options.MeterFactory);
    }

    /// <summary>An engine configured by <paramref name="configure"/>.</summary>
    public static CameoEngine Create(Action<EngineOptions>? configure = null)
    {
        var options = new EngineOptions();
        configure?.Invoke(options);
        return new CameoEngine(options);
    }

    public ISchedulingPolicy Policy => _options.Policy;

    /// <summary>The instruments the engine's queries publish on (see <see cref="EngineOptions.MeterFactory"/>).</summary>
    public CameoTelemetry Telemetry { get; }

    public int Workers => _runtime.Workers;

    /// <summary>The runtime the queries run on.</summary>
    public IQueryRuntime Runtime => _runtime;

    public IReadOnlyList<QueryHandle> Queries { get { lock (_queries) return [.. _queries]; } }

    /// <summary>Fraction of the workers' time spent processing messages.</summary>
    public double Utilization => _runtime.Utilization;

    /// <summary>
    /// Defines a query and deploys it (it starts with the engine, or at once if the engine runs).
    /// </summary>
    /// <param name="name">Unique name, used in metrics and errors.</param>
    /// <param name="latencyTarget">How soon after its frontier event each output must be emitted.</param>
    /// <param name="define">Builds the dataflow from a <see cref="QueryBuilder"/>.</param>
    /// <exception cref="QueryDefinitionException">The definition cannot run; the message says why.</exception>
    public QueryHandle AddQuery(string name, TimeSpan latencyTarget, Action<QueryBuilder> define)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(define);
        if (latencyTarget <= TimeSpan.Zero) throw new QueryDefinitionException(name, $"its latency target must be positive (was {latencyTarget.TotalMilliseconds} ms)");
        lock (_queries)
        {
            if (_queries.Any(q => q.Name == name)) throw new QueryDefinitionException(name, "another query already has this name");
            if (_streams.ContainsKey(name)) throw new QueryDefinitionException(name, "a shared stream already has this name");
            var builder = new QueryBuilder(name);
            define(builder);
            var plan = new PhysicalPlan(builder.Graph, _options.OperatorChaining);
            var metrics = new QueryMetrics(name, latencyTarget, _options.Clock, _options.DeadLetterSamples, telemetry: Telemetry);
            var logger = _options.LoggerFactory.CreateLogger("Cameo.Query");
            var checkpoints = _options.Checkpoints is { } checkpointing
                ? new CheckpointCoordinator(name, checkpointing, plan.Instances.Count, plan.Instances.Count(i => i.Node.Kind == NodeKind.Source), _options.Clock, logger)
                : null;
            var context = new QueryContext(_nextId++, name, latencyTarget, builder.Graph.WatermarkDelayMs, _options.Clock, metrics)
            {
                Logger = logger,
                MaxMessageCostTicks = _options.MaxMessageCost.Ticks,
                MessageTraceInterval = _options.MessageTraceInterval,
                Checkpoints = checkpoints,
            };
            (_options.Policy as IQueryAwarePolicy)?.AddQuery(context.Id, builder.Weight);
            var run = _runtime.Deploy(context, plan, new DeployOptions(_options.BatchSize, _options.MaxInFlightMessages));
            var handle = new QueryHandle(context, run);
            _queries.Add(handle);
            Telemetry.Track(handle);
            return handle;
        }
    }

    /// <summary>
    /// Defines a stream shared by several queries (each reads it with
    /// <see cref="QueryBuilder.From{T}(SharedStream{T})"/>): its source, and the stateless operators
    /// and event times <paramref name="define"/> puts after it, run once for all of them. Define the
    /// queries that read it before the engine starts (or while the stream still runs): a query
    /// reads from its definition on. Runs on the in-process runtimes (embedded, slots).
    /// </summary>
    /// <param name="name">Unique among queries and shared streams.</param>
    /// <param name="define">Builds the stream: a source, then only stateless operators and <c>WithEventTime</c>.</param>
    /// <exception cref="QueryDefinitionException">The definition holds a window, join or custom operator, or is otherwise invalid.</exception>
    public SharedStream<T> Stream<T>(string name, Func<QueryBuilder, Stream<T>> define)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(define);
        if (_runtime is not ActorRuntime) throw new QueryDefinitionException(name, $"shared streams run on the in-process runtimes, not on '{_runtime.Name}'");
        lock (_queries)
        {
            if (_queries.Any(q => q.Name == name) || _streams.ContainsKey(name)) throw new QueryDefinitionException(name, "another query or shared stream already has this name");
            SharedFeed<T>? feed = null;
            var builder = new QueryBuilder(name) { WaitForConsumers = token => feed!.WaitForConsumersAsync(token) };
            var stream = define(builder) ?? throw new QueryDefinitionException(name, "its definition returned no stream");
            if (!ReferenceEquals(stream.Query, builder)) throw new QueryDefinitionException(name, "its definition returned a stream of another query");
            if (builder.Graph.Nodes.FirstOrDefault(n => n.Kind == NodeKind.Operator && !n.IsStateless && !n.AssignsEventTime) is { } stateful)
                throw new QueryDefinitionException(name, $"a shared stream holds only stateless operators and WithEventTime, not {stateful.Name}");
            int id = _nextId++;
            feed = new SharedFeed<T>(name, id, stream.Node.Parallelism, builder.Graph.WatermarkDelayMs);
            stream.To(new FeedSink<T>(feed), stream.Node.Parallelism);
            var plan = new PhysicalPlan(builder.Graph, _options.OperatorChaining);
            // Its own target matters only while no query reads it: then it is the least urgent work there is.
            var target = TimeSpan.FromHours(1);
            var context = new QueryContext(id, name, target, builder.Graph.WatermarkDelayMs, _options.Clock, new QueryMetrics(name, target, _options.Clock))
            {
                Logger = _options.LoggerFactory.CreateLogger("Cameo.Query"),
                MaxMessageCostTicks = _options.MaxMessageCost.Ticks,
                SharedConsumers = feed,
            };
            (_options.Policy as IQueryAwarePolicy)?.AddQuery(context.Id, 1);
            var run = _runtime.Deploy(context, plan, new DeployOptions(_options.BatchSize, _options.MaxInFlightMessages));
            feed.Completion = run.Completion;
            _streams.Add(name, feed.DrainOnStop);
            return new SharedStream<T>(feed, run);
        }
    }

    /// <summary>Starts the workers and every query's sources.</summary>
    public void Start() => _runtime.Start();

    /// <summary>
    /// Starts, and completes when every query has completed (finite sources) or failed, or when
    /// <paramref name="cancellationToken"/> fires: then sources stop and what is in flight drains.
    /// </summary>
    /// <exception cref="AggregateException">
    /// One or more queries failed (or did not drain after the cancellation): one
    /// <see cref="QueryFailedException"/> per failed query, naming it and where it failed. The other
    /// queries ran to their end.
    /// </exception>
    public async Task RunAsync(CancellationToken cancellationToken = default)
    {
        Start();
        var queries = Queries;
        var all = Task.WhenAll(queries.Select(q => q.Completion.ContinueWith(_ => { }, TaskScheduler.Default)));
        try
        {
            await all.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await StopAsync().ConfigureAwait(false);
        }
        var failures = queries.Select(q => q.Failure).OfType<Exception>().ToList();
        if (failures.Count > 0)
            throw new AggregateException(
                $"{failures.Count} of {queries.Count} queries failed: {string.Join("; ", failures.Select(f => f.Message))}", failures);
    }

    /// <summary>Stops every query's sources and waits up to <paramref name="drain"/> (default <see cref="EngineOptions.DrainTimeout"/>) for what is in flight.</summary>
    public Task StopAsync(TimeSpan? drain = null)
    {
        DrainSharedStreamsOnStop();
        return _runtime.StopAsync(drain ?? _options.DrainTimeout);
    }

    // The engine stops every query at once: a shared stream's consumers then take all its shared part
    // has read, as a query takes all its own source has read, instead of detaching from it.
    private void DrainSharedStreamsOnStop()
    {
        lock (_queries)
            foreach (var drain in _streams.Values) drain();
    }

    /// <summary>Restarts measurements of every query and of utilization (to drop a warm-up).</summary>
    public void ResetMetrics()
    {
        foreach (var q in Queries) q.Metrics.Reset();
        _runtime.ResetUtilization();
    }

    /// <summary>Stops the runtime (draining for up to 5 s), then the queries' checkpoints (a checkpoint completing is waited for).</summary>
    public async ValueTask DisposeAsync()
    {
        foreach (var q in Queries) Telemetry.Untrack(q);
        DrainSharedStreamsOnStop();
        await _runtime.DisposeAsync().ConfigureAwait(false);
        foreach (var query in Queries)
            if (query.Checkpoints is { } checkpoints) await checkpoints.DisposeAsync().ConfigureAwait(false);
    }
}
