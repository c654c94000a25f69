namespace Cameo.Workloads.Tests;

/// <summary>The generated mixes: reproducible for a seed, different across seeds, within the stated ranges, and valid queries.</summary>
public class RandomMixTests
{
    private static readonly int[] Seeds = [.. Enumerable.Range(1, 10)];

    [Fact]
    public void The_same_seed_gives_the_same_mix()
    {
        foreach (int seed in Seeds)
            Assert.Equal(RandomMix.Tenants(seed, 8), RandomMix.Tenants(seed, 8));
    }

    [Fact]
    public void Every_seed_gives_another_mix()
    {
        var mixes = Seeds.Select(s => string.Join(";", RandomMix.Tenants(s, 8))).ToList();
        Assert.Equal(mixes.Count, mixes.Distinct().Count());
    }

    [Fact]
    public void Tenants_stay_within_the_stated_ranges_and_their_load_shares_add_up_to_one()
    {
        foreach (int seed in Seeds)
        {
            var tenants = RandomMix.Tenants(seed, 8);
            Assert.Equal(8, tenants.Select(t => t.Name).Distinct().Count());
            Assert.Equal(1.0, tenants.Sum(t => t.LoadShare), 9);
            foreach (var t in tenants)
            {
                Assert.InRange(t.Target, TimeSpan.FromMilliseconds(10), TimeSpan.FromSeconds(10));
                Assert.InRange(t.CpuMicros, 1, 100);
                Assert.Equal(t.Target <= RandomMix.LsTargetLimit ? QueryClass.LS : QueryClass.BA, t.Class);
                if (t.Shape == MixShape.Stateless) Assert.Equal(MixKey.None, t.Key);
                else Assert.True(t.Window > TimeSpan.Zero && t.Slide > TimeSpan.Zero && t.Window.Ticks % t.Slide.Ticks == 0);
            }
        }
    }

    [Fact]
    public void Ten_seeds_cover_every_shape_key_and_input_pattern_and_both_classes()
    {
        var all = Seeds.SelectMany(s => RandomMix.Tenants(s, 8)).ToList();
        Assert.Equal(Enum.GetValues<MixShape>().Order(), all.Select(t => t.Shape).Distinct().Order());
        Assert.Equal(Enum.GetValues<MixKey>().Order(), all.Select(t => t.Key).Distinct().Order());
        Assert.Equal(Enum.GetValues<MixInput>().Order(), all.Select(t => t.Input).Distinct().Order());
        Assert.Equal([QueryClass.LS, QueryClass.BA], all.Select(t => t.Class).Distinct().Order());
    }

    [Fact]
    public void A_spiky_input_keeps_the_offered_mean_rate()
    {
        var spiky = RandomMix.Tenants(3, 8)[0] with { Input = MixInput.Spiky, SpikeFactor = 4, SpikeEvery = TimeSpan.FromSeconds(2), SpikeLength = TimeSpan.FromMilliseconds(500) };
        var schedule = spiky.Readings(Operators.RateSchedule.Constant(1000));
        double mean = Enumerable.Range(0, 60_000).Average(ms => schedule.RateAt(ms / 1000.0));
        Assert.Equal(1000, mean, 0);
        Assert.True(schedule.RateAt(1.2) > 3 * schedule.RateAt(0.2));
    }

    [Fact]
    public void Every_generated_query_is_a_valid_definition()
    {
        foreach (int seed in Seeds)
        {
            var scenario = RandomMix.Generate(seed, 8);
            using var engine = new DisposableEngine();
            foreach (var q in scenario.Queries)
                engine.Engine.AddQuery(q.Name, q.LatencyTarget, b => q.Define(b, new WorkloadInput(Operators.RateSchedule.Constant(100), seed)));
            Assert.Equal(8, engine.Engine.Queries.Count);
        }
    }

    private sealed class DisposableEngine : IDisposable
    {
        public CameoEngine Engine { get; } = new(new EngineOptions { Workers = 1 });
        public void Dispose() => Engine.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }
}
