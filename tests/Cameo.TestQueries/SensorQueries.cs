using System.Globalization;
using Cameo.Operators;

namespace Cameo.TestQueries;

/// <summary>A record of the user's own, without any Orleans attribute: it crosses silos as JSON.</summary>
public sealed record Reading(int Sensor, long Value, long TimeMs);

/// <summary>
/// Per sensor, the sum of its readings in 100 ms event-time windows, computed by two window
/// instances and written to a JSON-lines file. Event times are synthetic (reading i at i ms), so the
/// results are the same on every run and runtime.
/// Parameters: <c>count</c> (readings), <c>rate</c> (readings per second), <c>out</c> (the file).
/// </summary>
public sealed class SensorTotals : IQueryDefinition
{
    public string Name => "sensor-totals";

    public TimeSpan LatencyTarget => TimeSpan.FromMilliseconds(500);

    public string Description => "per-sensor sums in 100 ms windows; --param count=N rate=R out=FILE";

    public void Define(QueryBuilder query, IReadOnlyDictionary<string, string> parameters)
    {
        long count = long.Parse(Required(parameters, "count"), CultureInfo.InvariantCulture);
        double rate = double.Parse(parameters.GetValueOrDefault("rate", "20000"), CultureInfo.InvariantCulture);
        string output = Required(parameters, "out");
        query.From(Source.Generate((i, _) => new Reading((int)(i % 4), i, i), rate, count))
            .WithEventTime(r => r.TimeMs, TimeSpan.Zero)
            .Where(r => r.Value % 10 != 3)
            .KeyBy(r => r.Sensor)
            .Window(TimeSpan.FromMilliseconds(100))
            .Sum(r => r.Value)
            .WithParallelism(2)
            .To(Sink.JsonLines<WindowResult<int, long>>(output));
    }

    private static string Required(IReadOnlyDictionary<string, string> parameters, string key) =>
        parameters.TryGetValue(key, out var value) ? value : throw new ArgumentException($"sensor-totals needs --param {key}=...");
}
