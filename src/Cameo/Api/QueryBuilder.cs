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
        var node = Graph.Add(new SourceNode<T>("Source", source) { Parallelism = 1 });
        return new Stream<T>(this, node);
    }

    internal QueryDefinitionException Invalid(string problem) => new(Name, problem);
}
