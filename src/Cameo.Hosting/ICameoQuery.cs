namespace Cameo.Hosting;

/// <summary>
/// A query a host runs: registered with <see cref="CameoBuilder.AddQuery{TQuery}"/>, created by
/// dependency injection (so its constructor can take services and options), and deployed on the
/// host's <see cref="CameoEngine"/> when the engine is first resolved.
/// </summary>
public interface ICameoQuery
{
    /// <summary>The query's unique name (the <c>query</c> tag of its metrics).</summary>
    string Name { get; }

    /// <summary>How soon after its frontier event each output must be emitted.</summary>
    TimeSpan LatencyTarget { get; }

    /// <summary>Builds the dataflow, as <see cref="CameoEngine.AddQuery"/>'s delegate does.</summary>
    void Define(QueryBuilder query);
}

/// <summary>A query registered as a name, a target and a delegate.</summary>
internal sealed class DelegateQuery(string name, TimeSpan latencyTarget, Action<QueryBuilder> define) : ICameoQuery
{
    public string Name => name;

    public TimeSpan LatencyTarget => latencyTarget;

    public void Define(QueryBuilder query) => define(query);
}
