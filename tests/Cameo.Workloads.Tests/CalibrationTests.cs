namespace Cameo.Workloads.Tests;

public class CalibrationTests
{
    /// <summary>A mix whose utilization is <paramref name="perScale"/> x scale, saturating at 1 (what it processed then shrinks in proportion).</summary>
    private static Func<double, Task<MixReading>> Linear(double perScale, Func<int, double>? noise = null)
    {
        int round = 0;
        return scale =>
        {
            double demand = perScale * scale;
            double utilization = Math.Min(1, demand + (noise?.Invoke(round++) ?? 0));
            return Task.FromResult(new MixReading(utilization, Math.Min(1, 1 / demand)));
        };
    }

    [Fact]
    public async Task A_proportional_mix_lands_on_the_aim_in_the_second_round()
    {
        var (scale, rounds) = await Capacity.ConvergeAsync(Linear(0.6), aim: 0.9, initialScale: 1, maxRounds: 5);

        Assert.Equal(2, rounds.Count);
        Assert.Equal(0.6, rounds[0].Utilization, 9);
        Assert.Equal(1.5, scale, 6);
        Assert.Equal(0.9, rounds[^1].Utilization, 6);
    }

    [Fact]
    public async Task A_first_round_at_the_aim_is_kept()
    {
        var (scale, rounds) = await Capacity.ConvergeAsync(Linear(0.89), aim: 0.9, initialScale: 1, maxRounds: 5);

        Assert.Single(rounds);
        Assert.Equal(1, scale);
    }

    [Fact]
    public async Task A_saturated_round_steps_down_by_what_the_workers_processed()
    {
        // Demand 2.5x the machine: it processed 40% of the input, so 40% of the scale fills it, 90% of that is the aim.
        var (scale, rounds) = await Capacity.ConvergeAsync(Linear(2.5), aim: 0.9, initialScale: 1, maxRounds: 5);

        Assert.Equal(1.0, rounds[0].Utilization);
        Assert.Equal(0.4, rounds[0].Processed, 9);
        Assert.Equal(0.36, rounds[1].Scale, 9);
        Assert.Equal(0.9, rounds[1].Utilization, 6);
        Assert.Equal(0.36, scale, 9);
    }

    [Fact]
    public async Task A_saturated_round_after_a_low_reading_lowers_the_scale_instead_of_repeating_it()
    {
        // The first reading is 30 points low, so the second round overshoots into saturation.
        var (_, rounds) = await Capacity.ConvergeAsync(Linear(0.75, r => r == 0 ? -0.3 : 0), aim: 0.9, initialScale: 1, maxRounds: 4);

        Assert.Equal(1.0, rounds[1].Utilization);
        Assert.True(rounds[2].Scale < rounds[1].Scale, $"{rounds[1].Scale} then {rounds[2].Scale}");
    }

    [Fact]
    public async Task A_mix_that_falls_behind_with_workers_partly_idle_is_not_offered_more()
    {
        // A runtime whose bottleneck is not worker time: utilization stays at 50% while the queries
        // read at most half of what scale 1 offers.
        var (scale, rounds) = await Capacity.ConvergeAsync(s => Task.FromResult(new MixReading(0.5, Math.Min(1, 0.5 / s))), aim: 0.9, initialScale: 1, maxRounds: 5);

        Assert.Equal(5, rounds.Count);
        Assert.All(rounds, r => Assert.True(r.Scale <= 1, $"scale {r.Scale}"));
        Assert.InRange(scale, 0.35, 0.6); // about the aim times what it can process
    }

    [Fact]
    public async Task A_round_at_the_aimed_utilization_that_falls_behind_its_input_is_not_kept()
    {
        // The mix keeps up to scale 0.85, where its workers are 90% busy; above, a bottleneck other
        // than worker time (a single-threaded source) holds utilization at 91% while the backlog grows.
        static Task<MixReading> Reading(double scale) => Task.FromResult(scale <= 0.85
            ? new MixReading(0.9 * scale / 0.85, 1)
            : new MixReading(0.91, 0.85 / scale));

        var (scale, rounds) = await Capacity.ConvergeAsync(Reading, aim: 0.9, initialScale: 1, maxRounds: 6);

        Assert.True(rounds.Count > 1, "the first round, at 91% while reading 85% of its input, was kept");
        Assert.InRange(scale, 0.75, 0.85);
    }

    [Fact]
    public async Task Noisy_readings_are_averaged_and_the_estimate_ends_near_the_true_scale()
    {
        // Readings alternately 6 points high and 6 points low: no single round is within 2 points of
        // the aim, so the loop uses every round and the average cancels the noise.
        var (scale, rounds) = await Capacity.ConvergeAsync(Linear(0.75, r => r % 2 == 0 ? 0.06 : -0.06), aim: 0.9, initialScale: 1, maxRounds: 6);

        Assert.Equal(6, rounds.Count);
        Assert.InRange(scale, 1.2 * 0.97, 1.2 * 1.03); // true scale: 0.9 / 0.75
    }

    [Fact]
    public async Task A_mix_that_never_reaches_the_aim_stops_after_the_bound()
    {
        var (_, rounds) = await Capacity.ConvergeAsync(_ => Task.FromResult(new MixReading(0.5, 1)), aim: 0.9, initialScale: 1, maxRounds: 3);

        Assert.Equal(3, rounds.Count);
        Assert.All(rounds.Zip(rounds.Skip(1)), p => Assert.True(p.Second.Scale <= 3 * p.First.Scale)); // at most 3x a round
    }

    [Fact]
    public void Loads_above_the_highest_calibrated_one_are_calibrated_there_and_offered_in_proportion()
    {
        Assert.Equal(0.9, Capacity.CalibrationLoad(0.9));
        Assert.Equal(Capacity.MaxCalibratedLoad, Capacity.CalibrationLoad(1.5));
        var capacity = new Capacity(new Dictionary<string, double> { ["ls-alerts"] = 1000 }, 1.5, []);
        var query = Scenario.MultiTenant().Queries[0];
        Assert.Equal(1000 * query.LoadShare * 1.5, capacity.RateFor(query, 1.5), 9);
    }

    [Fact]
    public async Task A_short_calibration_measures_every_query_and_records_its_mix_rounds()
    {
        // The fastest query and the slowest, multi-stage one (whose input arrives in waves).
        var all = Scenario.MultiTenant();
        var scenario = all with { Queries = [.. all.Queries.Where(q => q.Name is "ls-alerts" or "ba-rollup")] };

        var capacity = await Capacity.MeasureAsync(scenario, workers: 2, TimeSpan.FromMilliseconds(300), seed: 1, load: 0.5, maxRounds: 2);

        foreach (var query in scenario.Queries)
        {
            // MeasureAsync floors at 1 event/s; a calibration that measured nothing would sit there.
            Assert.True(capacity.EventsPerSecond[query.Name] > 100, $"{query.Name}: {capacity.EventsPerSecond[query.Name]:N0} events/s");
            Assert.Equal(capacity.EventsPerSecond[query.Name] * query.LoadShare * 0.5, capacity.RateFor(query, 0.5), 6);
        }
        Assert.Equal(0.5, capacity.Load);
        Assert.InRange(capacity.Rounds.Count, 1, 2);
        Assert.Equal(1, capacity.Rounds[0].Scale);
        Assert.All(capacity.Rounds, r => Assert.InRange(r.Utilization, 0.01, 1));
        Assert.True(capacity.Scale > 0);
    }
}
