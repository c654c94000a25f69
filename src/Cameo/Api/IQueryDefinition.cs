namespace Cameo;

/// <summary>
/// A query defined in a class, so that processes which did not write it can build it: Orleans silos
/// load such classes from an assembly (<c>cameo silo --queries MyQueries.dll</c>) and run them when a
/// client submits their name (<c>cameo submit NAME --param key=value</c>). The same definition runs on
/// an embedded engine with <see cref="QueryDefinitionExtensions.AddQuery(CameoEngine, IQueryDefinition, IReadOnlyDictionary{string, string}?)"/>.
/// </summary>
/// <remarks>
/// A silo discovers every public, non-abstract class of the assembly that implements this interface
/// and has a public parameterless constructor. The definition runs once in each process that hosts
/// one of the query's operator instances, so it must build the same dataflow everywhere from its
/// parameters alone; its sinks write where their instances run.
/// </remarks>
public interface IQueryDefinition
{
    /// <summary>The name clients submit it by (unique among a silo's definitions).</summary>
    string Name { get; }

    /// <summary>The query's latency target.</summary>
    TimeSpan LatencyTarget { get; }

    /// <summary>One line for listings: what the query computes and which parameters it reads.</summary>
    string Description => "";

    /// <summary>Builds the dataflow, from source to sinks, with the parameters of the submission.</summary>
    /// <exception cref="ArgumentException">A parameter is missing or malformed (the submission fails with this message).</exception>
    void Define(QueryBuilder query, IReadOnlyDictionary<string, string> parameters);
}

/// <summary>Runs <see cref="IQueryDefinition"/>s on an embedded engine.</summary>
public static class QueryDefinitionExtensions
{
    private static readonly IReadOnlyDictionary<string, string> NoParameters = new Dictionary<string, string>();

    /// <summary>Adds <paramref name="definition"/> as a query named after it.</summary>
    public static QueryHandle AddQuery(this CameoEngine engine, IQueryDefinition definition, IReadOnlyDictionary<string, string>? parameters = null)
    {
        ArgumentNullException.ThrowIfNull(definition);
        return engine.AddQuery(definition.Name, definition.LatencyTarget, q => definition.Define(q, parameters ?? NoParameters));
    }
}
