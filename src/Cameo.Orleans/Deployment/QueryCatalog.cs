namespace Cameo.Orleans.Deployment;

/// <summary>A record the catalog queries generate: a key, a value and its event time (Unix ms).</summary>
[GenerateSerializer, Immutable, Alias("cameo.catalog-event")]
public readonly record struct CatalogEvent([property: Id(0)] int Key, [property: Id(1)] long Value, [property: Id(2)] long TimeMs);

/// <summary>
/// Built-in queries that every silo process and client knows by name. Query definitions are code
/// (lambdas), so separate silo processes can only run queries both sides can build; these are them.
/// Their sinks collect results as text, which the sink instances report to the query's coordinator.
/// </summary>
public static class QueryCatalog
{
    private sealed record Entry(string Description, TimeSpan LatencyTarget, Action<QueryBuilder, Operators.Source<CatalogEvent>, Action<string>> Define);

    private static readonly Dictionary<string, Entry> Entries = new(StringComparer.OrdinalIgnoreCase)
    {
        ["windowed-count"] = new("count of generated events per key (10 keys) in 1 s tumbling windows, 2 window instances",
            TimeSpan.FromMilliseconds(500),
            (b, source, emit) => b.From(source)
                .WithEventTime(e => e.TimeMs, TimeSpan.FromMilliseconds(50))
                .KeyBy(e => e.Key).Window(TimeSpan.FromSeconds(1)).Count()
                .WithParallelism(2)
                .To(r => emit($"key {r.Key} [{Time(r.Start)}, {Time(r.End)}): {r.Value}"))),
        ["filter"] = new("generated events whose value is a multiple of 7",
            TimeSpan.FromMilliseconds(50),
            (b, source, emit) => b.From(source)
                .Where(e => e.Value % 7 == 0)
                .To(e => emit($"{e.Value}"))),
    };

    public static IReadOnlyDictionary<string, string> Names => Entries.ToDictionary(e => e.Key, e => e.Value.Description);

    /// <summary>Whether <paramref name="name"/> is a built-in catalog query.</summary>
    public static bool Contains(string name) => Entries.ContainsKey(name);

    /// <summary>A Unix-ms event time as results show it: ISO 8601, UTC, to the millisecond.</summary>
    public static string Time(long unixMs) =>
        DateTimeOffset.FromUnixTimeMilliseconds(unixMs).ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture);

    /// <exception cref="ArgumentException">No catalog query has that name.</exception>
    public static TimeSpan LatencyTarget(string name) => Find(name).LatencyTarget;

    /// <summary>Builds catalog query <paramref name="spec"/> in this process.</summary>
    public static LocalQuery Build(QuerySpec spec)
    {
        var entry = Find(spec.Catalog!);
        var source = Source.Generate((i, dueMs) => new CatalogEvent((int)(i % 10), i, dueMs), spec.EventsPerSecond, spec.Count);
        LocalQuery? built = null;
        built = PlanCapture.Build(spec, entry.LatencyTarget, b => entry.Define(b, source, text => built!.Results.Enqueue(text)));
        return built;
    }

    private static Entry Find(string name) =>
        Entries.TryGetValue(name, out var e) ? e
        : throw new ArgumentException($"Unknown catalog query '{name}'. Known: {string.Join(", ", Entries.Keys)}.", nameof(name));
}
