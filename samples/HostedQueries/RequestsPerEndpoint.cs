using System.Collections.Concurrent;
using Cameo;
using Cameo.Hosting;
using Cameo.Operators;

namespace HostedQueries;

/// <summary>A request as the service saw it.</summary>
public sealed record Request(string Endpoint, long TimeMs, double DurationMs);

/// <summary>A query class: created by dependency injection, so it can take services.</summary>
public sealed class RequestsPerEndpoint(LatestCounts latest) : ICameoQuery
{
    public string Name => "requests-per-endpoint";

    public TimeSpan LatencyTarget => TimeSpan.FromMilliseconds(200);

    public void Define(QueryBuilder query) => query
        .From(Source.Generate((i, dueMs) => new Request($"/api/{i % 5}", dueMs, i % 97), eventsPerSecond: 5_000))
        .WithEventTime(r => r.TimeMs, maxOutOfOrderness: TimeSpan.FromMilliseconds(50))
        .KeyBy(r => r.Endpoint)
        .Window(TimeSpan.FromSeconds(1))
        .Count()
        .To(latest.Set);
}

/// <summary>The latest per-second request count of each endpoint, served at <c>GET /counts</c>.</summary>
public sealed class LatestCounts
{
    private readonly ConcurrentDictionary<string, WindowResult<string, long>> _latest = new();

    public void Set(WindowResult<string, long> count) => _latest[count.Key] = count;

    public IReadOnlyDictionary<string, long> Snapshot() => _latest.ToDictionary(kv => kv.Key, kv => kv.Value.Value);
}
