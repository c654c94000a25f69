using System.Text.Json;
using Cameo.Operators;
using Cameo.Redis;
using Cameo.Time;

namespace Cameo.Workloads.Chaos;

/// <summary>
/// The two queries every chaos experiment runs, reading the Redis input streams up to their end
/// markers: a windowed count of clicks per key, and a window join of clicks with views on the key,
/// each written to a Redis stream (exactly-once) and, in one process, to a JSON-lines file.
/// </summary>
public static class ChaosQueries
{
    /// <summary>The queries' latency target.</summary>
    public static readonly TimeSpan LatencyTarget = TimeSpan.FromSeconds(1);

    /// <summary>The end-of-input record, standing for an entry with the field <see cref="ChaosLayout.EndField"/>.</summary>
    private static readonly ChaosEvent EndMarker = new(-1, 0, 0);

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private static WindowSpec Window => WindowSpec.Tumbling(TimeSpan.FromMilliseconds(ChaosInput.WindowMs));

    private static TimeSpan Bound => TimeSpan.FromMilliseconds(ChaosInput.BoundMs);

    /// <summary>The windowed count of clicks per key; also to a JSON-lines file if <paramref name="file"/>.</summary>
    public static void Counts(QueryBuilder q, ChaosLayout layout, bool file)
    {
        var counts = q.From(Input(layout, ChaosSide.Clicks, ChaosLayout.Counts))
            .WithEventTime(e => e.TimeMs, Bound)
            .KeyBy(e => e.Key)
            .Window(Window)
            .Count()
            .WithParallelism(2);
        counts.To(Output<WindowResult<int, long>>(layout, ChaosLayout.Counts));
        if (file) counts.To(Sink.JsonLines<WindowResult<int, long>>(layout.FileOutput(ChaosLayout.Counts)));
    }

    /// <summary>The window join of clicks with views on the key; also to a JSON-lines file if <paramref name="file"/>.</summary>
    public static void Joins(QueryBuilder q, ChaosLayout layout, bool file)
    {
        var views = q.From(Input(layout, ChaosSide.Views, ChaosLayout.Joins)).WithEventTime(e => e.TimeMs, Bound);
        var pairs = q.From(Input(layout, ChaosSide.Clicks, ChaosLayout.Joins))
            .WithEventTime(e => e.TimeMs, Bound)
            .Join(views, c => c.Key, v => v.Key, Window, (c, v) => new ChaosPair(c.Id, v.Id))
            .WithParallelism(2);
        pairs.To(Output<ChaosPair>(layout, ChaosLayout.Joins));
        if (file) pairs.To(Sink.JsonLines<ChaosPair>(layout.FileOutput(ChaosLayout.Joins)));
    }

    /// <summary>One stream read by one query's consumer group, up to its end marker.</summary>
    private static EndMarkerSource<ChaosEvent> Input(ChaosLayout layout, ChaosSide side, string query) =>
        new(Source.RedisStream<ChaosEvent>(layout.Redis, layout.Input(side), o =>
        {
            o.Group = query;
            o.Consumer = "worker";
            o.Deserialize = entry => entry[ChaosLayout.EndField].HasValue
                ? EndMarker
                : JsonSerializer.Deserialize<ChaosEvent>((string)entry["data"]!, Json) ?? throw new JsonException("null event");
        }), e => ReferenceEquals(e, EndMarker));

    private static Sink<T> Output<T>(ChaosLayout layout, string query) =>
        Sink.RedisStream<T>(layout.Redis, layout.RedisOutput(query), o =>
        {
            o.Name = query;
            o.CommitMarkerExpiry = TimeSpan.FromDays(1);
        });
}

/// <summary>
/// <see cref="ChaosQueries.Counts"/> as a query definition silos load (<c>cameo silo --queries</c>), for
/// <c>cameo chaos silo-kill</c>. Parameters: <c>redis</c> (host:port) and <c>prefix</c> (the run's keys).
/// </summary>
public sealed class ChaosCountsDefinition : IQueryDefinition
{
    public string Name => "chaos-counts";

    public TimeSpan LatencyTarget => ChaosQueries.LatencyTarget;

    public string Description => "cameo chaos: the windowed count of the clicks stream (parameters redis, prefix)";

    public void Define(QueryBuilder query, IReadOnlyDictionary<string, string> parameters) => ChaosQueries.Counts(query, ChaosLayout.Of(parameters), file: false);
}

/// <summary><see cref="ChaosQueries.Joins"/> as a query definition silos load, for <c>cameo chaos silo-kill</c>. Parameters as <see cref="ChaosCountsDefinition"/>'s.</summary>
public sealed class ChaosJoinsDefinition : IQueryDefinition
{
    public string Name => "chaos-joins";

    public TimeSpan LatencyTarget => ChaosQueries.LatencyTarget;

    public string Description => "cameo chaos: the window join of clicks with views (parameters redis, prefix)";

    public void Define(QueryBuilder query, IReadOnlyDictionary<string, string> parameters) => ChaosQueries.Joins(query, ChaosLayout.Of(parameters), file: false);
}
