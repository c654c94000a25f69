using Cameo.Operators;
using Cameo.Workloads.Chaos;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Cameo.Workloads.Tests.Chaos;

/// <summary>The chaos experiment's input, oracle and comparison, without processes or servers.</summary>
public sealed class ChaosOracleTests
{
    private static readonly ChaosInput Input = ChaosInput.Generate(2_000, seed: 3);

    [Fact]
    public void The_input_is_seeded_and_no_event_is_late_for_the_queries_bound()
    {
        Assert.Equal(Input.Events, ChaosInput.Generate(2_000, seed: 3).Events);
        Assert.NotEqual(Input.Events, ChaosInput.Generate(2_000, seed: 4).Events);
        foreach (var side in new[] { ChaosSide.Clicks, ChaosSide.Views })
        {
            long max = long.MinValue / 2; // no watermark before the first event
            foreach (var e in Input.Of(side))
            {
                // Late: the record's window ended at or before the watermark of the records before it.
                Assert.True(ChaosInput.WindowStart(e.TimeMs) + ChaosInput.WindowMs > max - ChaosInput.BoundMs, $"event {e.Id} would be late");
                max = Math.Max(max, e.TimeMs);
            }
        }
        Assert.Equal(Input.Count, Input.Events.Select(e => e.Event.Id).Distinct().Count());
    }

    [Fact]
    public void The_oracle_counts_every_click_once_and_pairs_only_equal_keys_in_one_window()
    {
        var counts = ChaosOracle.Counts(Input);
        var pairs = ChaosOracle.Pairs(Input);
        var events = Input.Events.ToDictionary(e => e.Event.Id);

        Assert.Equal(Input.Of(ChaosSide.Clicks).Count(), counts.Values.Sum());
        Assert.All(pairs, p =>
        {
            var (cs, c) = events[p.Click];
            var (vs, v) = events[p.View];
            Assert.Equal((ChaosSide.Clicks, ChaosSide.Views), (cs, vs));
            Assert.Equal(c.Key, v.Key);
            Assert.Equal(ChaosInput.WindowStart(c.TimeMs), ChaosInput.WindowStart(v.TimeMs));
        });
        var perWindow = Input.Events.GroupBy(e => (e.Event.Key, ChaosInput.WindowStart(e.Event.TimeMs)))
            .Sum(g => (long)g.Count(e => e.Side == ChaosSide.Clicks) * g.Count(e => e.Side == ChaosSide.Views));
        Assert.Equal(perWindow, pairs.Count);
    }

    private static List<WindowResult<int, long>> Results(Dictionary<(int Key, long Start), long> counts) =>
        [.. counts.Select(kv => new WindowResult<int, long>(kv.Key.Key, kv.Key.Start, kv.Key.Start + ChaosInput.WindowMs, kv.Value))];

    [Fact]
    public void Exact_counts_compare_clean_and_each_fault_is_told_apart()
    {
        var expected = ChaosOracle.Counts(Input);
        var exact = Results(expected);
        Assert.Equal(new ChaosTally("s", expected.Count, expected.Count, 0, 0, 0), ChaosOracle.CompareCounts("s", expected, exact));

        var faulty = exact.ToList();
        faulty.RemoveAt(0);                                          // lost
        faulty.Add(faulty[0]);                                       // duplicated
        faulty[1] = faulty[1] with { Value = faulty[1].Value + 1 };  // wrong value
        faulty.Add(new WindowResult<int, long>(ChaosInput.Keys, ChaosInput.BaseTimeMs, ChaosInput.BaseTimeMs + ChaosInput.WindowMs, 1)); // unknown key

        var tally = ChaosOracle.CompareCounts("s", expected, faulty);

        Assert.Equal((1L, 1L, 2L), (tally.Lost, tally.Duplicated, tally.Wrong));
        Assert.Equal(expected.Count + 1, tally.Received);
        Assert.False(tally.Exact);
    }

    [Property(MaxTest = 50)]
    public Property Pairs_lost_and_duplicated_are_counted_exactly(int seed)
    {
        var expected = ChaosOracle.Pairs(ChaosInput.Generate(300, seed));
        var random = new Random(seed);
        var received = new List<ChaosPair>();
        int lost = 0, duplicated = 0;
        foreach (var p in expected)
        {
            int copies = random.Next(4) switch { 0 => 0, 1 => 2 + random.Next(2), _ => 1 };
            if (copies == 0) lost++;
            else duplicated += copies - 1;
            for (int i = 0; i < copies; i++) received.Add(p);
        }
        received.Reverse();

        var tally = ChaosOracle.ComparePairs("s", expected, received);

        return (tally.Lost == lost && tally.Duplicated == duplicated && tally.Wrong == 0 && tally.Received == received.Count && tally.Expected == expected.Count)
            .Label($"lost {tally.Lost}/{lost}, duplicated {tally.Duplicated}/{duplicated}");
    }

    [Fact]
    public void A_pair_the_oracle_does_not_give_is_wrong()
    {
        var expected = ChaosOracle.Pairs(Input);
        var tally = ChaosOracle.ComparePairs("s", expected, [.. expected, new ChaosPair(-5, -6)]);
        Assert.Equal((0L, 0L, 1L), (tally.Lost, tally.Duplicated, tally.Wrong));
    }

    [Theory]
    [InlineData(1, 10.0)]
    [InlineData(5, 20.0)]
    [InlineData(7, 3.0)]
    public void Each_kill_falls_in_its_own_slice_of_the_first_ninety_percent_of_the_input(int kills, double seconds)
    {
        var settings = new ChaosCrashSettings(kills, 100, "unused", null, Seed: 9, seconds, TimeSpan.FromSeconds(1));
        var moments = ChaosCrash.KillMoments(settings);

        Assert.Equal(kills, moments.Length);
        double slice = 0.9 * seconds / kills;
        for (int k = 0; k < kills; k++) Assert.InRange(moments[k], k * slice, (k + 1) * slice);
        Assert.Equal(moments, ChaosCrash.KillMoments(settings));
    }
}
