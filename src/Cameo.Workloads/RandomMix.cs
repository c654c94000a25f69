using Cameo.Operators;
using Cameo.Time;

namespace Cameo.Workloads;

/// <summary>The dataflow of a generated tenant.</summary>
public enum MixShape
{
    /// <summary>A CPU-heavy filter, results at once.</summary>
    Stateless,
    /// <summary>A CPU-heavy map, then an aggregate over tumbling windows.</summary>
    Tumbling,
    /// <summary>A CPU-heavy map, then an aggregate over sliding windows.</summary>
    Sliding,
    /// <summary>A CPU-heavy screen of readings joined per sensor with a slower notice stream in tumbling windows.</summary>
    Join,
}

/// <summary>What a generated tenant's windows are keyed by (joins are always per sensor).</summary>
public enum MixKey
{
    /// <summary>One key: a global window.</summary>
    None,
    /// <summary><see cref="Reading.Regions"/> keys.</summary>
    Region,
    /// <summary><see cref="Reading.Sensors"/> keys.</summary>
    Sensor,
}

/// <summary>How a generated tenant's input arrives over time.</summary>
public enum MixInput
{
    /// <summary>Evenly spaced.</summary>
    Smooth,
    /// <summary>In bursts every <see cref="RandomTenant.BurstPeriod"/> (a consumer polling a broker).</summary>
    Bursty,
    /// <summary>Short spikes at <see cref="RandomTenant.SpikeFactor"/> times the base rate, the mean rate unchanged.</summary>
    Spiky,
}

/// <summary>
/// One generated tenant: everything that decides its query, so that a mix can be compared,
/// printed, and replayed (see <see cref="Bench.IdealBound"/>).
/// </summary>
/// <param name="Name">Unique within the mix, e.g. <c>t3-ls-tumbling</c>.</param>
/// <param name="Index">Position in the mix; also varies the readings each tenant sees.</param>
/// <param name="Class">LS if the target is at most <see cref="RandomMix.LsTargetLimit"/>, else BA.</param>
/// <param name="Shape">Its dataflow.</param>
/// <param name="Key">What its windows are keyed by.</param>
/// <param name="Target">Latency target.</param>
/// <param name="CpuMicros">CPU work per event in its heavy stage, microseconds.</param>
/// <param name="Input">How its input arrives.</param>
/// <param name="Window">Window size (zero for stateless).</param>
/// <param name="Slide">Window slide (equal to <paramref name="Window"/> for tumbling windows and joins).</param>
/// <param name="BurstPeriod">Time between bursts of bursty input.</param>
/// <param name="SpikeFactor">Rate during a spike, relative to the base rate.</param>
/// <param name="SpikeEvery">Time from one spike's start to the next.</param>
/// <param name="SpikeLength">How long a spike lasts.</param>
/// <param name="LoadShare">Its part of the offered load (the shares of a mix add up to 1).</param>
/// <param name="Parallelism">Instances of each of its operators.</param>
public sealed record RandomTenant(
    string Name,
    int Index,
    QueryClass Class,
    MixShape Shape,
    MixKey Key,
    TimeSpan Target,
    double CpuMicros,
    MixInput Input,
    TimeSpan Window,
    TimeSpan Slide,
    TimeSpan BurstPeriod,
    double SpikeFactor,
    TimeSpan SpikeEvery,
    TimeSpan SpikeLength,
    double LoadShare,
    int Parallelism)
{
    /// <summary>Notices of a join per reading: the slow side grows with the load, so calibration scales it too.</summary>
    public const double NoticesPerReading = 0.02;

    /// <summary>Seconds of the input covered by spikes; runs of a bench are far shorter.</summary>
    public const double SpikeHorizonSeconds = 600;

    /// <summary>The readings seed of this tenant under run seed <paramref name="seed"/>.</summary>
    public int ReadingsSeed(int seed) => seed + 7919 * (Index + 1);

    /// <summary>The notices seed of this tenant (joins) under run seed <paramref name="seed"/>.</summary>
    public int NoticesSeed(int seed) => ReadingsSeed(seed) + 104729;

    /// <summary>The key of a reading's windows.</summary>
    public int KeyOf(in Reading r) => Key switch { MixKey.Sensor => r.Sensor, MixKey.Region => r.Region, _ => 0 };

    /// <summary>Rounds of <see cref="CpuWork.Burn"/> per event that take <see cref="CpuMicros"/> on this machine.</summary>
    public int WorkRounds => CpuWork.RoundsFor(CpuMicros);

    /// <summary>
    /// The readings' arrival schedule, given the rate the harness offers this query (its mean):
    /// smooth as offered, in bursts, or with periodic spikes around a base lowered so that the mean
    /// stays the offered rate.
    /// </summary>
    public RateSchedule Readings(RateSchedule offered)
    {
        switch (Input)
        {
            case MixInput.Bursty:
                return offered.InBursts(BurstPeriod);
            case MixInput.Spiky:
                double every = SpikeEvery.TotalSeconds, length = SpikeLength.TotalSeconds;
                double baseRate = offered.RateAt(0) / (1 + (SpikeFactor - 1) * length / every);
                var steps = new List<(double, double)> { (0, baseRate) };
                for (double at = every / 2; at < SpikeHorizonSeconds; at += every)
                {
                    steps.Add((at, baseRate * SpikeFactor));
                    steps.Add((at + length, baseRate));
                }
                return new RateSchedule([.. steps]);
            default:
                return offered;
        }
    }

    /// <summary>The window spec of the windowed shapes.</summary>
    public WindowSpec WindowSpec => Shape == MixShape.Sliding ? WindowSpec.Sliding(Window, Slide) : WindowSpec.Tumbling(Window);

    /// <summary>The tenant's query, written against the public query API.</summary>
    public WorkloadQuery ToQuery() => new(Name, Class, Target, LoadShare, Define);

    /// <summary>The readings source of this tenant's query.</summary>
    public Source<Reading> ReadingsSource(WorkloadInput input)
    {
        int seed = ReadingsSeed(input.Seed);
        return input.Generate((i, due) => Reading.Generate(seed, i, due), Readings(input.Rate), Name);
    }

    /// <summary>The notices source of a join (the right side).</summary>
    public Source<Reading> NoticesSource(WorkloadInput input)
    {
        int seed = NoticesSeed(input.Seed);
        return input.Generate((i, due) => Reading.Generate(seed, i, due), input.Rate.Scale(NoticesPerReading), Name + "-notices");
    }

    private void Define(QueryBuilder b, WorkloadInput input)
    {
        b.DefaultParallelism = Parallelism;
        int rounds = WorkRounds;
        var tenant = this;
        var readings = b.From(ReadingsSource(input)).WithEventTime(r => r.TimeMs, QueryShapes.OutOfOrderness);
        switch (Shape)
        {
            case MixShape.Stateless:
                readings.Where(r => r.Severity + (int)(CpuWork.Burn((ulong)r.Sensor, rounds) & 1) >= 8)
                    .To(QueryShapes.Discard<Reading>());
                break;
            case MixShape.Tumbling or MixShape.Sliding:
                readings.Select(r => r with { Value = r.Value + (CpuWork.Burn((ulong)r.Sensor, rounds) & 1) })
                    .KeyBy(r => tenant.KeyOf(r)).Window(WindowSpec).Average(r => r.Value)
                    .To(QueryShapes.Discard<WindowResult<int, double>>());
                break;
            case MixShape.Join:
                var screened = readings.Where(r => r.Severity + (int)(CpuWork.Burn((ulong)r.Sensor, rounds) & 1) >= 8);
                var notices = b.From(NoticesSource(input)).WithEventTime(r => r.TimeMs, QueryShapes.OutOfOrderness);
                screened.Join(notices, r => r.Sensor, n => n.Sensor, WindowSpec, (r, n) => r.Value - n.Value)
                    .To(QueryShapes.Discard<double>());
                break;
        }
    }

    /// <summary>
    /// Which sensors' readings pass the screen of the stateless and join shapes at severity 7 (the
    /// screen keeps <c>severity + (Burn(sensor) &amp; 1) &gt;= 8</c>): computed once per sensor, so a
    /// replay knows the outputs without burning the CPU.
    /// </summary>
    public bool[] ScreenBits() => [.. Enumerable.Range(0, Reading.Sensors).Select(s => (CpuWork.Burn((ulong)s, WorkRounds) & 1) == 1)];

    /// <summary>True if the screen keeps <paramref name="r"/>, given <see cref="ScreenBits"/>.</summary>
    public static bool Passes(in Reading r, bool[] screenBits) => r.Severity + (screenBits[r.Sensor] ? 1 : 0) >= 8;
}

/// <summary>
/// Generates multi-tenant mixes nobody tuned for: each seed gives other shapes, keys, targets,
/// costs, input patterns and load shares, written against the public query API as a user would.
/// </summary>
public static class RandomMix
{
    /// <summary>Tenants with targets up to this are latency-sensitive (LS); the others bulk (BA).</summary>
    public static readonly TimeSpan LsTargetLimit = TimeSpan.FromMilliseconds(100);

    /// <summary>The scenario name of a mix: <c>random-mix</c>.</summary>
    public const string ScenarioName = "random-mix";

    /// <summary>The tenants of mix <paramref name="seed"/>: the same for the same seed and count, different for different seeds.</summary>
    public static IReadOnlyList<RandomTenant> Tenants(int seed, int tenants)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(tenants, 1);
        var random = new Random(seed);
        double LogUniform(double min, double max) => Math.Exp(Math.Log(min) + random.NextDouble() * (Math.Log(max) - Math.Log(min)));
        T Pick<T>(params T[] options) => options[random.Next(options.Length)];
        var weights = new double[tenants];
        var list = new List<RandomTenant>();
        for (int i = 0; i < tenants; i++)
        {
            var shape = Pick(MixShape.Stateless, MixShape.Tumbling, MixShape.Sliding, MixShape.Join);
            var key = shape switch { MixShape.Stateless => MixKey.None, MixShape.Join => MixKey.Sensor, _ => Pick(MixKey.None, MixKey.Region, MixKey.Sensor) };
            var target = TimeSpan.FromMilliseconds(Math.Round(LogUniform(10, 10_000)));
            var window = shape == MixShape.Stateless ? TimeSpan.Zero : TimeSpan.FromMilliseconds(Pick(100, 250, 500, 1000, 2000));
            var slide = shape == MixShape.Sliding ? window / Pick(2, 4, 5) : window;
            var cls = target <= LsTargetLimit ? QueryClass.LS : QueryClass.BA;
            weights[i] = LogUniform(0.25, 1);
            list.Add(new RandomTenant(
                Name: $"t{i}-{cls.ToString().ToLowerInvariant()}-{shape.ToString().ToLowerInvariant()}{(key == MixKey.None || shape == MixShape.Join ? "" : "-by-" + key.ToString().ToLowerInvariant())}",
                Index: i,
                Class: cls,
                Shape: shape,
                Key: key,
                Target: target,
                CpuMicros: Math.Round(LogUniform(1, 100), 1),
                Input: Pick(MixInput.Smooth, MixInput.Bursty, MixInput.Spiky),
                Window: window,
                Slide: slide,
                BurstPeriod: TimeSpan.FromMilliseconds(Math.Round(LogUniform(10, 200))),
                SpikeFactor: Math.Round(2 + random.NextDouble() * 3, 1),
                SpikeEvery: TimeSpan.FromMilliseconds(Pick(2000, 3000, 5000)),
                SpikeLength: TimeSpan.FromMilliseconds(Pick(200, 300, 500)),
                LoadShare: 0,
                Parallelism: Pick(1, 1, 2)));
        }
        double total = weights.Sum();
        return [.. list.Select((t, i) => t with { LoadShare = weights[i] / total })];
    }

    /// <summary>The scenario of mix <paramref name="seed"/> with <paramref name="tenants"/> tenants.</summary>
    public static Scenario Generate(int seed, int tenants)
    {
        var mix = Tenants(seed, tenants);
        return new(ScenarioName, [.. mix.Select(t => t.ToQuery())], [], DefaultSeconds) { BulkBurstPeriod = null, Mix = mix };
    }

    /// <summary>Measured seconds of a random-mix run by default: long enough for 2 s windows to close several times.</summary>
    public const double DefaultSeconds = 10;
}
