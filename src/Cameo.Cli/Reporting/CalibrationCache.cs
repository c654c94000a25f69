using System.Text.Json;
using Cameo.Workloads;
using Cameo.Workloads.Bench;

namespace Cameo.Cli.Reporting;

/// <summary>
/// Keeps `cameo run`'s calibration between invocations, so that runs under different policies on
/// the same machine are offered the same input rates (the comparison the demo exists for).
/// </summary>
public static class CalibrationCache
{
    private sealed record Entry(string Scenario, int Workers, DateTimeOffset MeasuredAt, Dictionary<string, double> EventsPerSecond, List<double> Rounds);

    /// <summary>Where the calibration of <paramref name="scenario"/> on <paramref name="workers"/> workers is kept.</summary>
    public static string PathFor(string scenario, int workers) =>
        Path.Combine(Path.GetTempPath(), "cameo", $"capacity-{scenario}-{workers}w-{Environment.MachineName}.json");

    /// <summary>The kept calibration, if there is one for exactly these queries.</summary>
    public static (Capacity Capacity, DateTimeOffset MeasuredAt)? TryLoad(Scenario scenario, int workers)
    {
        string path = PathFor(scenario.Name, workers);
        if (!File.Exists(path)) return null;
        try
        {
            var entry = JsonSerializer.Deserialize<Entry>(File.ReadAllText(path), Json.Options);
            if (entry is null || !scenario.Queries.All(q => entry.EventsPerSecond.ContainsKey(q.Name))) return null;
            return (new Capacity(entry.EventsPerSecond, entry.Rounds), entry.MeasuredAt);
        }
        catch (JsonException)
        {
            return null; // unreadable: measure again
        }
    }

    public static void Save(Scenario scenario, int workers, Capacity capacity)
    {
        string path = PathFor(scenario.Name, workers);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var entry = new Entry(scenario.Name, workers, DateTimeOffset.UtcNow, new(capacity.EventsPerSecond), [.. capacity.Rounds]);
        File.WriteAllText(path, JsonSerializer.Serialize(entry, Json.Options));
    }
}
