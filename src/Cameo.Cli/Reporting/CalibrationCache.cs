using System.Globalization;
using System.Text.Json;
using Cameo.Workloads;
using Cameo.Workloads.Bench;

namespace Cameo.Cli.Reporting;

/// <summary>
/// Keeps `cameo run`'s calibration between invocations, so that runs under different policies on
/// the same machine are offered the same input rates (the comparison the demo exists for). One
/// calibration per scenario, worker count and load: the mix is calibrated at the load it runs at.
/// </summary>
public static class CalibrationCache
{
    private sealed record Entry(string Scenario, int Workers, double Load, DateTimeOffset MeasuredAt, Dictionary<string, double> EventsPerSecond, List<CalibrationRound> Rounds, double Scale);

    /// <summary>Where the calibration of <paramref name="scenario"/> on <paramref name="workers"/> workers at <paramref name="load"/> is kept.</summary>
    public static string PathFor(string scenario, int workers, double load) =>
        Path.Combine(Path.GetTempPath(), "cameo", $"capacity-{scenario}-{workers}w-load{(load * 100).ToString("0.#", CultureInfo.InvariantCulture)}-{Environment.MachineName}.json");

    /// <summary>The kept calibration, if there is one for exactly these queries, workers and load.</summary>
    public static (Capacity Capacity, DateTimeOffset MeasuredAt)? TryLoad(Scenario scenario, int workers, double load)
    {
        string path = PathFor(scenario.Name, workers, load);
        if (!File.Exists(path)) return null;
        try
        {
            var entry = JsonSerializer.Deserialize<Entry>(File.ReadAllText(path), Json.Options);
            if (entry is null || entry.Load != load || entry.Rounds is null || !scenario.Queries.All(q => entry.EventsPerSecond?.ContainsKey(q.Name) == true)) return null;
            return (new Capacity(entry.EventsPerSecond!, entry.Load, entry.Rounds, entry.Scale), entry.MeasuredAt);
        }
        catch (JsonException)
        {
            return null; // unreadable: measure again
        }
    }

    public static void Save(Scenario scenario, int workers, Capacity capacity)
    {
        string path = PathFor(scenario.Name, workers, capacity.Load);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var entry = new Entry(scenario.Name, workers, capacity.Load, DateTimeOffset.UtcNow, new(capacity.EventsPerSecond), [.. capacity.Rounds], capacity.Scale);
        File.WriteAllText(path, JsonSerializer.Serialize(entry, Json.Options));
    }
}
