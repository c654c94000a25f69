using Cameo.Time;
using FsCheck;
using FsCheck.Fluent;

namespace Cameo.Tests.Support;

/// <summary>The record every oracle test feeds the engine: an id (to tell records apart), a key, an event time and a value.</summary>
public sealed record Ev(int Id, int Key, long Time, int Value);

/// <summary>Random inputs for the property tests.</summary>
internal static class EventGen
{
    /// <summary>A round Unix-ms instant, so window alignment to the epoch is exercised with realistic values.</summary>
    public const long Base = 1_700_000_000_000;

    /// <summary>Window shapes worth testing: tumbling, sliding with slide dividing size, and not dividing it.</summary>
    public static readonly WindowSpec[] Windows =
    [
        new(100, 100), new(250, 250), new(1000, 1000),
        new(300, 100), new(500, 200), new(200, 50), new(70, 70), new(90, 40),
    ];

    /// <summary>
    /// Events in any order: uniform times over a few seconds (lots of disorder, so lots of late
    /// records with a small bound), or increasing times with jitter.
    /// </summary>
    public static Gen<Ev[]> Disordered(int maxCount = 150, int keys = 4) =>
        from n in Gen.Choose(0, maxCount)
        from ordered in Gen.Elements(false, true)
        from raw in Gen.ArrayOf(
            from key in Gen.Choose(0, keys - 1)
            from offset in Gen.Choose(0, 3000)
            from value in Gen.Choose(-50, 50)
            select (Key: key, Offset: offset, Value: value), n)
        select raw.Select((r, i) => new Ev(i, r.Key, Base + (ordered ? i * 20 + r.Offset % 200 : r.Offset), r.Value)).ToArray();

    /// <summary>
    /// Events whose disorder never exceeds <paramref name="bound"/>: each time is at least the largest
    /// time before it minus the bound, so with a watermark of (max seen - bound) no record is ever late,
    /// whatever the batching or the interleaving of sources. The oracle is then exact end to end.
    /// </summary>
    public static Ev[] BoundedDisorder(Random rnd, int count, int keys, long bound, int step, int idBase = 0)
    {
        var events = new Ev[count];
        long clock = Base;
        for (int i = 0; i < count; i++)
        {
            clock += rnd.Next(0, step + 1);
            long jitter = bound == 0 ? 0 : rnd.NextInt64(0, bound + 1);
            events[i] = new Ev(idBase + i, rnd.Next(keys), clock - jitter, rnd.Next(-50, 51));
        }
        return events;
    }

    /// <summary>A bounded-disorder input as a generator (seeded from FsCheck, so counterexamples replay).</summary>
    public static Gen<Ev[]> BoundedDisorder(long bound, int maxCount = 150, int keys = 4, int step = 15, int idBase = 0) =>
        from seed in Gen.Choose(0, int.MaxValue)
        from n in Gen.Choose(0, maxCount)
        select BoundedDisorder(new Random(seed), n, keys, bound, step, idBase);
}

/// <summary>How long a test waits for an engine before it calls it a hang.</summary>
internal static class Within
{
    public static readonly TimeSpan Run = TimeSpan.FromSeconds(30);
}
