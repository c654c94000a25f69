using Cameo.Dataflow;
using Cameo.Operators;

namespace Cameo;

/// <summary>Starts a query's streams. Handed to the definition passed to <see cref="CameoEngine.AddQuery"/>.</summary>
public sealed class QueryBuilder
{
    internal QueryBuilder(string name) => Graph = new LogicalGraph(name);

    internal LogicalGraph Graph { get; }

    public string Name => Graph.QueryName;

    /// <summary>Parallelism given to operators that do not set their own. Default 1.</summary>
    public int DefaultParallelism { get; set; } = 1;

    /// <summary>The query's share of the machine relative to other queries, under a proportional-share policy. Default 1.</summary>
    public double Weight { get; private set; } = 1;

    /// <summary>
    /// Sets the query's <see cref="Weight"/>: under <see cref="Scheduling.Policies.FairShare"/>, queries
    /// with work split processing time in the ratio of their weights. Other policies ignore it.
    /// </summary>
    /// <exception cref="QueryDefinitionException"><paramref name="weight"/> is not positive and finite.</exception>
    public QueryBuilder WithWeight(double weight)
    {
        if (!(weight > 0) || double.IsInfinity(weight)) throw Invalid($"its weight must be positive and finite (was {weight})");
        Weight = weight;
        return this;
    }

    /// <summary>A stream of the records of <paramref name="source"/>.</summary>
    public Stream<T> From<T>(Source<T> source)
    {
        if (source is null) throw new QueryDefinitionException(Name, "From(...) was given no source (null)");
        if (WaitForConsumers is { } wait) source = new Execution.CreditedSource<T>(source, wait);
        var node = Graph.Add(new SourceNode<T>("Source", source) { Parallelism = 1 });
        return new Stream<T>(this, node);
    }

    /// <summary>A stream of the records of <paramref name="shared"/>, read and parsed once for every query that uses it.</summary>
    public Stream<T> From<T>(SharedStream<T> shared)
    {
        if (shared is null) throw new QueryDefinitionException(Name, "From(...) was given no shared stream (null)");
        var node = Graph.Add(new SourceNode<T>("Shared", new Execution.SharedSource<T>(shared.Feed))
        {
            Parallelism = shared.Feed.Parallelism,
            WatermarkDelayMs = shared.Feed.WatermarkDelayMs,
        });
        return new Stream<T>(this, node);
    }

    /// <summary>Waits, before each read of a shared stream's source, for the queries it feeds (set for a shared stream's definition).</summary>
    internal Func<CancellationToken, ValueTask>? WaitForConsumers { get; init; }

    /// <summary>A pass-through node for side output records, to be connected to its operator when that is added.</summary>
    internal LogicalNode PendingSideOutput<T>() =>
        Graph.Add(new UnaryNode<T, T>("Late", () => new PassOperator<T>()) { Parallelism = DefaultParallelism, IsStateless = true });

    /// <summary>A stream of <paramref name="node"/>'s side output <paramref name="port"/> (late records).</summary>
    internal Stream<T> SideOutput<T>(LogicalNode node, int port)
    {
        var late = PendingSideOutput<T>();
        Graph.Connect(node, late, 0, null, port);
        return new Stream<T>(this, late);
    }

    internal QueryDefinitionException Invalid(string problem) => new(Name, problem);
}
