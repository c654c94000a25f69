namespace Cameo.Workloads.Chaos;

/// <summary>Which input stream of the chaos queries an event belongs to.</summary>
public enum ChaosSide
{
    /// <summary>The counted stream, and the left side of the join.</summary>
    Clicks,

    /// <summary>The right side of the join.</summary>
    Views,
}

/// <summary>One input event of the chaos queries.</summary>
/// <param name="Id">Unique over both streams; the index in the generated input.</param>
/// <param name="Key">The key counted and joined on.</param>
/// <param name="TimeMs">Event time, Unix ms.</param>
public sealed record ChaosEvent(long Id, int Key, long TimeMs);

/// <summary>A joined pair: a click and a view with the same key in the same window.</summary>
public sealed record ChaosPair(long Click, long View);

/// <summary>
/// The generated input of <c>cameo chaos crash</c>: <see cref="Count"/> events, each on one of the
/// two streams, seeded. Event times rise by <see cref="StepMs"/> per event with a jitter of at most
/// <see cref="JitterMs"/> either way, so every event is within the queries' out-of-orderness bound
/// (<see cref="BoundMs"/> &gt; 2 x jitter) and none is late: the oracle needs no model of lateness.
/// </summary>
public sealed class ChaosInput
{
    /// <summary>The event time of the first event (a whole second, so windows start on it).</summary>
    public const long BaseTimeMs = 1_700_000_000_000;

    /// <summary>Event time between consecutive events.</summary>
    public const long StepMs = 10;

    /// <summary>Largest shift of an event's time from its place in the sequence.</summary>
    public const long JitterMs = 40;

    /// <summary>The out-of-orderness bound of the queries' watermarks.</summary>
    public const long BoundMs = 100;

    /// <summary>The tumbling window of the count and of the join.</summary>
    public const long WindowMs = 1000;

    /// <summary>Distinct keys.</summary>
    public const int Keys = 16;

    private ChaosInput(IReadOnlyList<(ChaosSide Side, ChaosEvent Event)> events) => Events = events;

    /// <summary>Every event, in the order they are written, with its stream.</summary>
    public IReadOnlyList<(ChaosSide Side, ChaosEvent Event)> Events { get; }

    /// <summary>How many events.</summary>
    public int Count => Events.Count;

    /// <summary>The same <paramref name="count"/> events for the same <paramref name="seed"/>.</summary>
    public static ChaosInput Generate(int count, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var random = new Random(seed);
        var events = new (ChaosSide, ChaosEvent)[count];
        for (int i = 0; i < count; i++)
        {
            var side = random.Next(2) == 0 ? ChaosSide.Clicks : ChaosSide.Views;
            long time = BaseTimeMs + (i * StepMs) + random.NextInt64(-JitterMs, JitterMs + 1);
            events[i] = (side, new ChaosEvent(i, random.Next(Keys), time));
        }
        return new ChaosInput(events);
    }

    /// <summary>The events of one stream, in order.</summary>
    public IEnumerable<ChaosEvent> Of(ChaosSide side) => Events.Where(e => e.Side == side).Select(e => e.Event);

    /// <summary>The start of the window holding <paramref name="timeMs"/>.</summary>
    public static long WindowStart(long timeMs) => timeMs - (((timeMs % WindowMs) + WindowMs) % WindowMs);
}
