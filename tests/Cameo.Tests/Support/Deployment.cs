using Cameo.Dataflow;
using Cameo.Execution;
using Cameo.Metrics;
using Cameo.Runtime;

namespace Cameo.Tests.Support;

/// <summary>
/// Deploys a query straight onto a runtime, the way <see cref="CameoEngine.AddQuery"/> does, but
/// keeps the <see cref="QueryRun"/> so a test can reach its hosts, actors and credit gate. Operators
/// are not chained unless <c>chaining</c> is asked for, so that each has an instance of its own to look at.
/// </summary>
internal static class Deployment
{
    public static QueryRun Deploy(IQueryRuntime runtime, int id, string name, TimeSpan target, TimeProvider clock, Action<QueryBuilder> define,
        int batchSize = HostFactory.DefaultBatchSize, int maxInFlight = 256, TimeSpan? maxMessageCost = null, bool chaining = false)
    {
        var builder = new QueryBuilder(name);
        define(builder);
        var plan = new PhysicalPlan(builder.Graph, chaining);
        var context = new QueryContext(id, name, target, builder.Graph.WatermarkDelayMs, clock, new QueryMetrics(name, target, clock))
        {
            MaxMessageCostTicks = (maxMessageCost ?? HostFactory.DefaultMaxMessageCost).Ticks,
        };
        return (QueryRun)runtime.Deploy(context, plan, new DeployOptions(batchSize, maxInFlight));
    }

    /// <summary>The query-local index of the first instance of the first node called <paramref name="prefix"/>#n.</summary>
    public static int InstanceOf(QueryRun run, string prefix) =>
        run.Plan.InstancesOf(run.Plan.Graph.Nodes.First(n => n.Name.StartsWith(prefix + "#", StringComparison.Ordinal)))[0];

    /// <summary>The source host of a query with one source, typed so a test can hand it batches.</summary>
    public static SourceHost<T> SourceOf<T>(QueryRun run) => run.Hosts.OfType<SourceHost<T>>().Single();
}
