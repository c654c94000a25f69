namespace Cameo.Workloads;

/// <summary>
/// One tenant's query in a scenario: what it computes, its target, and what part of the machine's
/// capacity its input takes at full load.
/// </summary>
public sealed class WorkloadQuery
{
    /// <param name="name">Unique name within the scenario.</param>
    /// <param name="class">LS or BA.</param>
    /// <param name="latencyTarget">The query's latency target.</param>
    /// <param name="loadShare">Fraction of the offered CPU load that goes to this query (shares of a scenario add up to 1).</param>
    /// <param name="define">Builds the query; its sources must come from <see cref="WorkloadInput.Generate{T}"/>.</param>
    public WorkloadQuery(string name, QueryClass @class, TimeSpan latencyTarget, double loadShare, Action<QueryBuilder, WorkloadInput> define)
    {
        Name = name;
        Class = @class;
        LatencyTarget = latencyTarget;
        LoadShare = loadShare;
        Define = define;
    }

    public string Name { get; }
    public QueryClass Class { get; }
    public TimeSpan LatencyTarget { get; }
    public double LoadShare { get; }

    /// <summary>Adds the query's dataflow to a builder; its sources come from the <see cref="WorkloadInput"/>.</summary>
    public Action<QueryBuilder, WorkloadInput> Define { get; }

    /// <summary>If true, the spike scenario multiplies this query's input during spikes.</summary>
    public bool Spikes => Class == QueryClass.BA;

    public override string ToString() => $"{Name} ({Class}, {LatencyTarget.TotalMilliseconds} ms)";
}
