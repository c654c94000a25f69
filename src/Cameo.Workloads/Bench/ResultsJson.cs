using System.Text.Json;
using System.Text.Json.Serialization;
using Cameo.Metrics;

namespace Cameo.Workloads.Bench;

/// <summary>
/// One query's line in results.json (shared by `cameo run` and `cameo bench`). A query that
/// emitted nothing has null latencies and SLA attainment.
/// </summary>
public sealed record QueryJson(
    string Name,
    string Class,
    double LatencyTargetMs,
    long Outputs,
    double? P50Ms,
    double? P95Ms,
    double? P99Ms,
    double? MaxMs,
    double? SlaAttainment,
    double EventsPerSecond,
    double OfferedEventsPerSecond,
    long LateEvents)
{
    public static QueryJson From(QueryResult r)
    {
        var m = QueryMeasure.Of(r.Stats);
        return new(
            r.Name, r.Class.ToString(), r.LatencyTargetMs, r.Stats.Outputs,
            Json.Round(m.P50Ms), Json.Round(m.P95Ms), Json.Round(m.P99Ms), Json.Round(m.MaxMs),
            Json.Round(m.SlaAttainment, 5), Math.Round(r.Stats.InputEventsPerSecond, 1), Math.Round(r.OfferedEventsPerSecond, 1),
            r.Stats.LateEvents);
    }
}

/// <summary>
/// How long messages waited behind lower-ranked ones in a run (see <see cref="PriorityInversion"/>):
/// null figures when the runtime measured no message.
/// </summary>
public sealed record PriorityInversionJson(double? P99Ms, double? MaxMs, long Messages)
{
    public static PriorityInversionJson From(PriorityInversion? pi) => pi is { Messages: > 0 } p
        ? new(Json.Round(p.P99Ms), Json.Round(p.MaxMs), p.Messages)
        : new(null, null, 0);
}

/// <summary>results.json of `cameo run`.</summary>
/// <param name="Policy"></param>
/// <param name="Runtime"></param>
/// <param name="Workers"></param>
/// <param name="Load">The offered load asked for.</param>
/// <param name="Utilization">The utilization reached.</param>
/// <param name="AtAskedLoad">False when <paramref name="Utilization"/> is more than 3 points off the asked load.</param>
/// <param name="PriorityInversion"></param>
/// <param name="Queries"></param>
public sealed record RunJson(string Policy, string Runtime, int Workers, double Utilization, double Load, bool AtAskedLoad, PriorityInversionJson PriorityInversion, IReadOnlyList<QueryJson> Queries);

/// <summary>How Cameo writes its JSON reports: camelCase, indented.</summary>
public static class Json
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    /// <summary>Writes <paramref name="value"/> to <paramref name="dir"/>/<paramref name="file"/>, creating the folder.</summary>
    public static string Write<T>(string dir, string file, T value)
    {
        Directory.CreateDirectory(dir);
        string path = Path.Combine(dir, file);
        File.WriteAllText(path, JsonSerializer.Serialize(value, Options));
        return path;
    }

    /// <summary><paramref name="x"/> rounded to <paramref name="decimals"/> (3 by default: microseconds of a millisecond figure), or null.</summary>
    public static double? Round(double? x, int decimals = 3) => x is { } v ? Math.Round(v, decimals) : null;
}
