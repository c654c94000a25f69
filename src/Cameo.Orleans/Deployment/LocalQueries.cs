using System.Collections.Concurrent;
using Cameo.Dataflow;
using Cameo.Execution;
using Cameo.Runtime;

namespace Cameo.Orleans.Deployment;

/// <summary>
/// A query as one process knows it: the definition's physical plan and shared context, from which
/// this process's instance grains build their hosts with <see cref="HostFactory"/>.
/// </summary>
public sealed class LocalQuery
{
    public LocalQuery(QueryContext context, PhysicalPlan plan, int batchSize)
    {
        Context = context;
        Plan = plan;
        BatchSize = batchSize;
        Wire.JsonTypes.AllowRecordsOf(plan.Graph); // its records may travel between silos as JSON
    }

    public QueryContext Context { get; }
    public PhysicalPlan Plan { get; }
    public int BatchSize { get; }

    /// <summary>Instances of the query active in this process.</summary>
    internal int Instances;

    /// <summary>Results the sinks of a catalog query produced, as text, not yet reported to the coordinator.</summary>
    public ConcurrentQueue<string> Results { get; } = new();

    /// <summary>Outputs of this process's sinks of a query definition already reported to the coordinator.</summary>
    internal long ReportedOutputs;

    /// <summary>When (<see cref="System.Diagnostics.Stopwatch"/> ticks) a sink of a query definition next reports its outputs.</summary>
    internal long NextReport;

    /// <summary>Builds instance <paramref name="index"/>'s host. Serialized: hosts register themselves in the shared context.</summary>
    /// <param name="index">The instance.</param>
    /// <param name="onSinkEnded">Called when a sink instance has seen the end of its input.</param>
    /// <param name="context">The context of the query's incarnation (<see cref="Incarnation"/>); <see cref="Context"/> if null.</param>
    public InstanceHost CreateHost(int index, Action onSinkEnded, QueryContext? context = null)
    {
        lock (_creating) return HostFactory.Create(context ?? Context, Plan, index, BatchSize, onSinkEnded);
    }

    /// <summary>
    /// The context of incarnation <paramref name="epoch"/> of a checkpointed query in this process:
    /// <see cref="Context"/>'s settings and metrics, with <paramref name="checkpoints"/> (created once
    /// per incarnation) as its coordinator. Each incarnation's instances share their own context, so
    /// nothing of an incarnation that was rolled back (its checkpoint requests, its restored state)
    /// reaches the next. Those of earlier incarnations are dropped.
    /// </summary>
    internal QueryContext Incarnation(int epoch, Func<Cameo.Checkpoints.ICheckpointCoordinator> checkpoints)
    {
        lock (_incarnations)
        {
            if (_incarnations.TryGetValue(epoch, out var context)) return context;
            foreach (int older in _incarnations.Keys.Where(e => e < epoch).ToList()) _incarnations.Remove(older);
            var c = Context;
            context = new QueryContext(c.Id, c.Name, c.LatencyTarget, c.WatermarkDelayMs, c.Clock, c.Metrics)
            {
                Logger = c.Logger,
                MaxMessageCostTicks = c.MaxMessageCostTicks,
                MessageTraceInterval = c.MessageTraceInterval,
                Checkpoints = checkpoints(),
            };
            _incarnations[epoch] = context;
            return context;
        }
    }

    private readonly object _creating = new();
    private readonly Dictionary<int, QueryContext> _incarnations = [];
}

/// <summary>
/// The process-local registry of query plans by cluster key. Silos of an in-process cluster share
/// it with the <see cref="OrleansRuntime"/> that deployed the queries; a silo process fills it from
/// its <see cref="QueryDefinitions"/> when an instance of a catalog query or loaded definition activates there.
/// </summary>
public static class LocalQueries
{
    private static readonly ConcurrentDictionary<string, LocalQuery> Queries = new();

    public static void Add(string key, LocalQuery query)
    {
        if (!Queries.TryAdd(key, query)) throw new InvalidOperationException($"A query with key '{key}' is already registered.");
    }

    public static void Remove(string key) => Queries.TryRemove(key, out _);

    /// <summary>The queries this process knows now, by cluster key.</summary>
    public static IReadOnlyList<KeyValuePair<string, LocalQuery>> All() => [.. Queries];

    /// <summary>The plan of <paramref name="spec"/> in this process, for one more of its instances.</summary>
    /// <exception cref="InvalidOperationException">This process has no definition for it.</exception>
    public static LocalQuery Acquire(QuerySpec spec, QueryDefinitions definitions)
    {
        if (!Queries.TryGetValue(spec.Key, out var query))
        {
            if (spec.Catalog is null)
                throw new InvalidOperationException(
                    $"Query '{spec.Name}' ({spec.Key}) was defined in another process; only catalog queries and loaded query definitions can run on silos outside the defining process.");
            query = Queries.GetOrAdd(spec.Key, _ => definitions.Build(spec));
        }
        Interlocked.Increment(ref query.Instances);
        return query;
    }

    /// <summary>One of the query's instances here has retired; a catalog query's plan goes with the last one (its definer removes any other).</summary>
    public static void Release(QuerySpec spec, LocalQuery query)
    {
        if (Interlocked.Decrement(ref query.Instances) == 0 && spec.Catalog is not null) Queries.TryRemove(spec.Key, out _);
    }
}

/// <summary>
/// A runtime that runs nothing: it captures what <see cref="CameoEngine.AddQuery"/> builds, so a
/// catalog definition becomes a plan and context exactly as it would for any other runtime.
/// </summary>
internal sealed class PlanCapture : IQueryRuntime
{
    /// <summary>Builds query <paramref name="spec"/> from <paramref name="define"/> in this process, as an engine would.</summary>
    /// <exception cref="QueryDefinitionException">The definition cannot run.</exception>
    public static LocalQuery Build(QuerySpec spec, TimeSpan latencyTarget, Action<QueryBuilder> define)
    {
        var capture = new PlanCapture();
        var engine = new CameoEngine(new EngineOptions { Runtime = _ => capture }); // only captures: no threads, nothing to dispose
        engine.AddQuery(spec.Name, latencyTarget, define);
        var (context, plan) = capture.Captured!.Value;
        return new LocalQuery(context, plan, spec.BatchSize);
    }

    public (QueryContext Context, PhysicalPlan Plan)? Captured { get; private set; }
    public string Name => "capture";
    public int Workers => 1;
    public double Utilization => 0;
    public void ResetUtilization() { }
    public void Start() { }
    public Task StopAsync(TimeSpan drain) => Task.CompletedTask;
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    public IDeployedQuery Deploy(QueryContext context, PhysicalPlan plan, DeployOptions options)
    {
        Captured = (context, plan);
        return new Nothing();
    }

    private sealed class Nothing : IDeployedQuery
    {
        public Task Completion => Task.CompletedTask;
        public Exception? Failure => null;
        public void Stop() { }
    }
}
