using System.Text.Json;
using System.Text.Json.Serialization;

namespace Cameo.Workloads.Bench;

/// <summary>One query's line in results.json (shared by `cameo run` and `cameo bench`).</summary>
public sealed record QueryJson(
    string Name,
    string Class,
    double LatencyTargetMs,
    long Outputs,
    double P50Ms,
    double P95Ms,
    double P99Ms,
    double MaxMs,
    double SlaAttainment,
    double EventsPerSecond,
    double OfferedEventsPerSecond,
    long LateEvents)
{
    public static QueryJson From(QueryResult r) => new(
        r.Name, r.Class.ToString(), r.LatencyTargetMs, r.Stats.Outputs,
        Round(r.Stats.P50Ms), Round(r.Stats.P95Ms), Round(r.Stats.P99Ms), Round(r.Stats.MaxMs),
        Math.Round(r.Stats.SlaAttainment, 5), Math.Round(r.Stats.InputEventsPerSecond, 1), Math.Round(r.OfferedEventsPerSecond, 1),
        r.Stats.LateEvents);

    private static double Round(double ms) => Math.Round(ms, 3);
}

/// <summary>results.json of `cameo run`.</summary>
public sealed record RunJson(string Policy, string Runtime, int Workers, double Utilization, double Load, IReadOnlyList<QueryJson> Queries);

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
}
