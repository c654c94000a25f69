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

    public CameoEngine(EngineOptions? options = null)
    {
        _options = options ?? new EngineOptions();
        _options.Validate();
        _runtime = _options.Runtime(_options);
    }

    /// <summary>An engine configured by <paramref name="configure"/>.</summary>
    public static CameoEngine Create(Action<EngineOptions>? configure = null)
    {
        var options = new EngineOptions();
        configure?.Invoke(options);
        return new CameoEngine(options);
    }

    public ISchedulingPolicy Policy => _options.Policy;

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
            var builder = new QueryBuilder(name);
            define(builder);
            var plan = new PhysicalPlan(builder.Graph, _options.OperatorChaining);
            var metrics = new QueryMetrics(name, latencyTarget, _options.Clock);
            var logger = _options.LoggerFactory.CreateLogger("Cameo.Query");
            var checkpoints = _options.Checkpoints is { } checkpointing
                ? new CheckpointCoordinator(name, checkpointing, plan.Instances.Count, plan.Instances.Count(i => i.Node.Kind == NodeKind.Source), _options.Clock, logger)
                : null;
            var context = new QueryContext(_queries.Count, name, latencyTarget, builder.Graph.WatermarkDelayMs, _options.Clock, metrics)
            {
                Logger = logger,
                MaxMessageCostTicks = _options.MaxMessageCost.Ticks,
                Checkpoints = checkpoints,
            };
            (_options.Policy as IQueryAwarePolicy)?.AddQuery(context.Id, builder.Weight);
            var run = _runtime.Deploy(context, plan, new DeployOptions(_options.BatchSize, _options.MaxInFlightMessages));
            var handle = new QueryHandle(context, run);
            _queries.Add(handle);
            return handle;
        }
    }

    /// <summary>Starts the workers and every query's sources.</summary>
    public void Start() => _runtime.Start();

    /// <summary>
    /// Starts, and completes when every query has completed (finite sources) or failed, or when
    /// <paramref name="cancellationToken"/> fires: then sources stop and what is in flight drains.
    /// A failed query does not fault this task; read <see cref="QueryHandle.Completion"/>.
    /// </summary>
    public async Task RunAsync(CancellationToken cancellationToken = default)
    {
        Start();
        var all = Task.WhenAll(Queries.Select(q => q.Completion.ContinueWith(_ => { }, TaskScheduler.Default)));
        try
        {
            await all.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await StopAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Stops every query's sources and waits up to <paramref name="drain"/> for what is in flight.</summary>
    public Task StopAsync(TimeSpan? drain = null) => _runtime.StopAsync(drain ?? TimeSpan.FromSeconds(10));

    /// <summary>Restarts measurements of every query and of utilization (to drop a warm-up).</summary>
    public void ResetMetrics()
    {
        foreach (var q in Queries) q.Metrics.Reset();
        _runtime.ResetUtilization();
    }

    /// <summary>Stops the runtime (draining for up to 5 s), then the queries' checkpoints (a checkpoint completing is waited for).</summary>
    public async ValueTask DisposeAsync()
    {
        await _runtime.DisposeAsync().ConfigureAwait(false);
        foreach (var query in Queries)
            if (query.Checkpoints is { } checkpoints) await checkpoints.DisposeAsync().ConfigureAwait(false);
    }
}
