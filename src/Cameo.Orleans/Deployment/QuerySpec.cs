namespace Cameo.Orleans.Deployment;

/// <summary>
/// What the cluster needs to know to run a query, sent to its coordinator and instance grains. The
/// definition itself (lambdas) cannot travel: a process finds it either in its
/// <see cref="LocalQueries"/> (queries added through <see cref="OrleansRuntime"/> in this process)
/// or by <see cref="Catalog"/> name: a built-in <see cref="QueryCatalog"/> query, which every silo
/// process knows, or a query definition the silos loaded (<see cref="QueryDefinitions"/>).
/// A submission names the query and leaves <see cref="Instances"/> empty: its coordinator plans it.
/// </summary>
[GenerateSerializer, Immutable, Alias("cameo.query-spec")]
public sealed record QuerySpec(
    [property: Id(0)] string Key,
    [property: Id(1)] string Name,
    [property: Id(2)] string? Catalog,
    [property: Id(3)] string[] Instances,
    [property: Id(4)] int[] Sources,
    [property: Id(5)] int Sinks,
    [property: Id(6)] int BatchSize,
    [property: Id(7)] int MaxInFlightMessages,
    [property: Id(8)] double EventsPerSecond,
    [property: Id(9)] long? Count,
    [property: Id(10)] Dictionary<string, string>? Parameters = null,
    [property: Id(11)] bool Checkpointed = false);

/// <summary>Where a query stands, as its coordinator knows it.</summary>
public enum QueryState
{
    /// <summary>The coordinator has no record: no such query, or its record was lost (in-memory query storage on a silo that died).</summary>
    Unknown,
    Deploying,
    Running,
    Completed,
    Failed,
}

/// <summary>A query's status: see <see cref="CameoClient.StatusAsync(string)"/>.</summary>
/// <param name="Key">The query's cluster-wide key.</param>
/// <param name="Name">Its name.</param>
/// <param name="State">Where it stands.</param>
/// <param name="Error">Why it failed, if it did.</param>
/// <param name="FailedAt">The operator instance that failed, if known.</param>
/// <param name="Outputs">Results its sinks reported (catalog queries only).</param>
/// <param name="RecentResults">The last of them, as text (catalog queries; how many is the caller's choice).</param>
/// <param name="Placement">Each instance and the silo it runs on.</param>
/// <param name="Coordinator">The silo the query's coordinator runs on.</param>
/// <param name="Submitted">When its coordinator received it.</param>
/// <param name="Ended">When it completed or failed.</param>
/// <param name="LastCheckpoint">A checkpointed query's newest completed checkpoint (0 before any, or unchecked).</param>
/// <param name="Recoveries">Times a checkpointed query was rolled back to its last checkpoint after losing an instance.</param>
/// <param name="LastRecoverySeconds">How long the last rollback took: from noticing the lost instance to the sources reading again.</param>
/// <param name="Incarnation">The incarnation its instances run in (see <see cref="Grains.InstanceKeys"/>): 0, one more per rollback attempt.</param>
[GenerateSerializer, Immutable, Alias("cameo.query-status")]
public sealed record QueryStatus(
    [property: Id(0)] string Key,
    [property: Id(1)] string Name,
    [property: Id(2)] QueryState State,
    [property: Id(3)] string? Error,
    [property: Id(4)] string? FailedAt,
    [property: Id(5)] long Outputs,
    [property: Id(6)] string[] RecentResults,
    [property: Id(7)] string[] Placement,
    [property: Id(8)] string? Coordinator,
    [property: Id(9)] DateTimeOffset? Submitted = null,
    [property: Id(10)] DateTimeOffset? Ended = null,
    [property: Id(11)] long LastCheckpoint = 0,
    [property: Id(12)] int Recoveries = 0,
    [property: Id(13)] double? LastRecoverySeconds = null,
    [property: Id(14)] int Incarnation = 0)
{
    public bool IsTerminal => State is QueryState.Completed or QueryState.Failed or QueryState.Unknown;
}
