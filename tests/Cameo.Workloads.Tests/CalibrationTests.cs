using Cameo.Workloads;

namespace Cameo.Workloads.Tests;

public class CalibrationTests
{
    [Fact]
    public async Task Two_short_calibrations_are_positive_and_agree_within_a_generous_factor()
    {
        // The fastest query and the slowest, multi-stage one (whose input arrives in waves).
        var all = Scenario.MultiTenant();
        var scenario = all with { Queries = [.. all.Queries.Where(q => q.Name is "ls-alerts" or "ba-rollup")] };
        var measure = TimeSpan.FromMilliseconds(300);

        var first = await Capacity.MeasureAsync(scenario, workers: 2, measure, seed: 1);
        var second = await Capacity.MeasureAsync(scenario, workers: 2, measure, seed: 1);

        foreach (var query in scenario.Queries)
        {
            double a = first.EventsPerSecond[query.Name], b = second.EventsPerSecond[query.Name];
            // MeasureAsync floors at 1 event/s; a calibration that measured nothing would sit there.
            Assert.True(a > 100 && b > 100, $"{query.Name}: {a:N0} and {b:N0} events/s");
            // Shared, noisy machine: only gross disagreement (a broken measurement) fails.
            Assert.True(a / b is > 0.2 and < 5.0, $"{query.Name}: {a:N0} vs {b:N0} events/s");
            // The offered rate is the query's share of the capacity at the given load.
            Assert.Equal(a * query.LoadShare * 0.5, first.RateFor(query, 0.5), 6);
        }
    }
}
