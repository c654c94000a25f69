namespace Cameo.Workloads;

/// <summary>
/// A named mix of tenants' queries with the share of the machine each one's input takes, and the
/// load spikes to apply. The same scenario object drives `cameo run`, `cameo bench` and the tests.
/// </summary>
/// <param name="Name">Scenario name on the command line.</param>
/// <param name="Queries">The tenants' queries.</param>
/// <param name="Spikes">Windows of the run during which BA input is multiplied: (start s, length s, factor).</param>
/// <param name="DefaultSeconds">How long a measured run lasts by default.</param>
public sealed record Scenario(string Name, IReadOnlyList<WorkloadQuery> Queries, IReadOnlyList<Spike> Spikes, double DefaultSeconds)
{
    /// <summary>
    /// BA input arrives in bursts this far apart (null: smoothly). Bulk pipelines are fed by
    /// consumers that poll a broker and hand over what accumulated since the last poll; LS input
    /// (alerts, dashboard updates) arrives as it happens.
    /// </summary>
    public TimeSpan? BulkBurstPeriod { get; init; } = TimeSpan.FromMilliseconds(50);

    /// <summary>The generated tenants the queries were made from, for a random mix (see <see cref="RandomMix"/>); null otherwise.</summary>
    public IReadOnlyList<RandomTenant>? Mix { get; init; }

    /// <summary>
    /// A stream every query of the scenario reads (a shared stream of the engine), or null when each
    /// query reads sources of its own. With one, the queries' load shares are 1 (each is offered the
    /// whole input) and the input follows the rate schedule of the first query.
    /// </summary>
    public SharedInput? Shared { get; init; }

    public static readonly string[] Names = ["single-tenant", "multi-tenant", "spike", "overload"];

    /// <summary>
    /// Latency-sensitive queries with tight targets beside bulk queries with loose targets that
    /// keep the CPU busy. LS input is a small part of the load; BA input the rest.
    /// </summary>
    public static Scenario MultiTenant() => new("multi-tenant",
    [
        QueryShapes.Alerts("ls-alerts", TimeSpan.FromMilliseconds(20), 0.04, workRounds: 400),
        QueryShapes.RegionDashboard("ls-dashboard", TimeSpan.FromMilliseconds(50), 0.04, workRounds: 400, window: TimeSpan.FromMilliseconds(500)),
        QueryShapes.Rollup("ba-rollup", TimeSpan.FromSeconds(2), 0.52, workRounds: 1500, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(10)),
        QueryShapes.Correlate("ba-correlate", TimeSpan.FromSeconds(5), 0.40, workRounds: 1500, TimeSpan.FromSeconds(2)),
    ], [], 20);

    /// <summary>One multi-stage windowed query at high load: Cameo's gain comes from running the closing window's downstream work first.</summary>
    public static Scenario SingleTenant() => new("single-tenant",
    [
        QueryShapes.Rollup("rollup", TimeSpan.FromMilliseconds(500), 1.0, workRounds: 1500, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5)),
    ], [], 20);

    /// <summary>The multi-tenant mix, with BA ingestion jumping to 3x for 5 s, twice.</summary>
    public static Scenario Spike() => MultiTenant() with
    {
        Name = "spike",
        Spikes = [new Spike(8, 5, 3.0), new Spike(20, 5, 3.0)],
        DefaultSeconds = 30,
    };

    /// <summary>
    /// The multi-tenant mix with BA input at 10x its share of capacity for the whole run: memory must
    /// stay bounded (backpressure), LS queries must keep their targets, BA falls behind by design.
    /// </summary>
    public static Scenario Overload() => MultiTenant() with
    {
        Name = "overload",
        Spikes = [new Spike(0, 1e6, 10.0)],
        DefaultSeconds = 30,
    };

    /// <summary>The scenario called <paramref name="name"/>.</summary>
    public static Scenario ByName(string name) => name switch
    {
        "multi-tenant" => MultiTenant(),
        "single-tenant" => SingleTenant(),
        "spike" => Spike(),
        "overload" => Overload(),
        _ => throw new ArgumentException($"Unknown scenario '{name}'. Known: {string.Join(", ", Names)}.", nameof(name)),
    };
}

/// <summary>
/// The input several queries of a scenario share: <paramref name="Define"/> defines it on the engine
/// (<see cref="CameoEngine.Stream{T}"/>), its source made by <see cref="WorkloadInput.Generate{T}"/>,
/// and returns the shared stream, which each query reads with <see cref="WorkloadInput.SharedStream{T}"/>.
/// </summary>
/// <param name="Name">The shared stream's name.</param>
/// <param name="Define">Defines the shared stream on an engine from the input's rate and seed.</param>
public sealed record SharedInput(string Name, Func<CameoEngine, WorkloadInput, object> Define);

/// <summary>A window of a run during which BA input is multiplied by <paramref name="Factor"/>.</summary>
public sealed record Spike(double StartSecond, double Seconds, double Factor);
