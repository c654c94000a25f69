using Cameo.Workloads.Bench;

namespace Cameo.Workloads.Tests;

/// <summary>Every policy must see the same input: same events, same order, same pacing.</summary>
public class TraceTests
{
    // Fixed capacities: the trace must not depend on a calibration, only on (capacity, load, seed).
    private static readonly Scenario Spiky = Scenario.MultiTenant() with { Name = "tiny-spike", Spikes = [new Spike(0.3, 0.3, 3.0)] };
    private static readonly Capacity Fixed = new(Spiky.Queries.ToDictionary(q => q.Name, _ => 40_000.0), Load: 0.5, Rounds: []);

    [Fact]
    public async Task Fifo_cameo_and_slots_generate_identical_traces()
    {
        var traces = new List<(string Policy, IReadOnlyDictionary<string, IReadOnlyList<GeneratedEvent>> Events)>();
        foreach (var policy in BenchPolicy.ParseList("fifo,cameo,slots"))
            traces.Add((policy.Name, await RecordAsync(policy, seed: 7)));

        var reference = traces[0];
        Assert.Equal(5, reference.Events.Count); // ls-alerts, ls-dashboard, ba-rollup, ba-correlate-left/right
        foreach (var (policy, events) in traces.Skip(1))
        {
            Assert.Equal(reference.Events.Keys.Order(), events.Keys.Order());
            foreach (var source in reference.Events.Keys)
                Assert.Null(FirstDifference(reference.Events[source], events[source], $"{source} ({reference.Policy} vs {policy})"));
        }
    }

    [Fact]
    public async Task Another_seed_gives_another_trace()
    {
        var policy = BenchPolicy.Parse("cameo");
        var a = await RecordAsync(policy, seed: 7);
        var b = await RecordAsync(policy, seed: 8);

        Assert.NotNull(FirstDifference(a["ls-alerts"], b["ls-alerts"], "ls-alerts"));
    }

    private static async Task<IReadOnlyDictionary<string, IReadOnlyList<GeneratedEvent>>> RecordAsync(BenchPolicy policy, int seed)
    {
        var recorder = new InputRecorder();
        var settings = new RunSettings(policy.Policy, Workers: 2, Seconds: 0.8, WarmupSeconds: 0.2, Load: 0.5, seed, policy.Slots, Recorder: recorder);
        await ScenarioRunner.RunAsync(Spiky, Fixed, settings);
        return recorder.Events;
    }

    /// <summary>
    /// Compares the events both runs generated, up to where the shorter run stopped (runs end at
    /// slightly different moments, and parallel source instances of one run at different indices). Records are compared with event time taken relative to the due time, and
    /// due times relative to the first event, since runs start at different wall-clock times.
    /// Returns a description of the first difference, or null.
    /// </summary>
    private static string? FirstDifference(IReadOnlyList<GeneratedEvent> a, IReadOnlyList<GeneratedEvent> b, string what)
    {
        if (a.DistinctBy(e => e.Index).Count() != a.Count || b.DistinctBy(e => e.Index).Count() != b.Count) return $"{what}: an index was generated twice";
        int common = Math.Min(ContiguousPrefix(a), ContiguousPrefix(b));
        // A few dozen events suffice to compare; more would make the test depend on how fast a cold,
        // busy machine starts its first run (CI once saw 63 where 100 were required).
        if (common < 20) return $"{what}: only {common} events in common";
        for (int i = 0; i < common; i++)
        {
            var (ra, rb) = (Normalize(a[i]), Normalize(b[i]));
            if (ra != rb) return $"{what}: event {i} differs: {ra} vs {rb}";
            // Due times are whole milliseconds of different start instants: offsets may differ by one rounding step.
            long offsetA = a[i].DueMs - a[0].DueMs, offsetB = b[i].DueMs - b[0].DueMs;
            if (Math.Abs(offsetA - offsetB) > 1) return $"{what}: event {i} is due {offsetA} ms vs {offsetB} ms after the first";
        }
        return null;
    }

    private static int ContiguousPrefix(IReadOnlyList<GeneratedEvent> events)
    {
        int n = 0;
        while (n < events.Count && events[n].Index == n) n++;
        return n;
    }

    private static Reading Normalize(GeneratedEvent e)
    {
        var reading = Assert.IsType<Reading>(e.Record);
        return reading with { TimeMs = reading.TimeMs - e.DueMs };
    }
}
