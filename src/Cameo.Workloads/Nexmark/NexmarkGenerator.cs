namespace Cameo.Workloads.Nexmark;

/// <summary>
/// Generates the NEXMark event stream as the Beam and Flink suites define it: of every 50 events,
/// 1 person, 3 auctions and 46 bids; ids from 1000; categories 10–14; states from {AZ, CA, ID, OR,
/// WA, WY}; bids on recent auctions by recent people, a hot auction and a hot bidder taking a share
/// (<c>hotAuctionRatio = 2</c>, <c>hotBiddersRatio = 4</c>); auctions by recent people, a hot seller
/// taking a share (<c>hotSellersRatio = 4</c>). Event <c>i</c> is a pure function of the seed and
/// <c>i</c>, so any run, in any order, sees the same events.
/// </summary>
/// <remarks>
/// Event times advance by <c>1000 / eventsPerSecond</c> ms per event from <see cref="StartMs"/>. With
/// <see cref="MaxDelayMs"/> &gt; 0, a share (<see cref="DelayedShare"/>) of events is stamped up to that
/// much earlier than its place in the stream, which makes the stream out of order by at most that bound
/// (Beam's <c>occasionalDelaySec</c>/<c>probDelayedEvent</c>).
/// </remarks>
public sealed class NexmarkGenerator(long seed = 1, double eventsPerSecond = 10_000, long startMs = 1_700_000_000_000, long maxDelayMs = 0, double delayedShare = 0.1)
{
    /// <summary>NEXMark's proportions: persons, auctions and bids per 50 events.</summary>
    public const int PersonProportion = 1, AuctionProportion = 3, BidProportion = 46, TotalProportion = 50;

    /// <summary>Ids start here.</summary>
    public const long FirstId = 1000;

    private static readonly string[] States = ["AZ", "CA", "ID", "OR", "WA", "WY"];
    private static readonly string[] Cities = ["Phoenix", "Los Angeles", "San Francisco", "Boise", "Portland", "Bend", "Redmond", "Seattle", "Kent", "Cheyenne"];
    private static readonly string[] FirstNames = ["Peter", "Paul", "Luke", "John", "Saul", "Vicky", "Kate", "Julie", "Sarah", "Deiter", "Walter"];
    private static readonly string[] LastNames = ["Shultz", "Abrams", "Spencer", "White", "Bartels", "Walton", "Smith", "Jones", "Noris"];

    /// <summary>People and auctions a bid or an auction picks from: the most recent ones.</summary>
    private const int ActivePeople = 1000, InFlightAuctions = 100;

    public long StartMs { get; } = startMs;
    public long MaxDelayMs { get; } = maxDelayMs;
    public double DelayedShare { get; } = delayedShare;

    /// <summary>The event time event <paramref name="index"/> would have in order.</summary>
    public long InOrderTime(long index) => StartMs + (long)(index * 1000 / eventsPerSecond);

    /// <summary>Event <paramref name="index"/> (0-based), stamped <paramref name="eventTimeMs"/>.</summary>
    public NexmarkEvent Event(long index, long eventTimeMs)
    {
        ulong h = Hash(index);
        long epoch = index / TotalProportion, offset = index % TotalProportion;
        if (offset < PersonProportion)
        {
            long id = FirstId + epoch;
            string name = $"{FirstNames[Pick(h, FirstNames.Length)]} {LastNames[Pick(h >> 8, LastNames.Length)]}";
            return new Person(id, name, $"{name.Replace(' ', '.')}@example.com", $"{h % 10000:D4} {(h >> 16) % 10000:D4} {(h >> 32) % 10000:D4} {(h >> 48) % 10000:D4}",
                Cities[Pick(h >> 20, Cities.Length)], States[Pick(h >> 24, States.Length)], eventTimeMs, "");
        }
        if (offset < PersonProportion + AuctionProportion)
        {
            long id = FirstId + epoch * AuctionProportion + offset - PersonProportion;
            long people = epoch + 1; // people so far
            long seller = (h >> 4) % 4 == 0 ? FirstId + epoch / 4 * 4 : FirstId + Math.Max(0, people - 1 - (long)((h >> 12) % (ulong)Math.Min(people, ActivePeople)));
            long initial = 100 + (long)((h >> 20) % 10_000);
            return new Auction(id, $"item-{id}", $"description of item {id}", initial, initial + (long)((h >> 36) % 5_000),
                eventTimeMs, eventTimeMs + 10_000 + (long)((h >> 44) % 20_000), seller, 10 + (long)((h >> 52) % 5), "");
        }
        long auctions = (epoch + 1) * AuctionProportion; // auctions so far
        long auction = (h >> 4) % 2 == 0
            ? FirstId + (auctions - 1) / 2 * 2
            : FirstId + Math.Max(0, auctions - 1 - (long)((h >> 12) % (ulong)Math.Min(auctions, InFlightAuctions)));
        long persons = epoch + 1;
        long bidder = (h >> 8) % 4 == 0
            ? FirstId + (persons - 1) / 4 * 4
            : FirstId + Math.Max(0, persons - 1 - (long)((h >> 28) % (ulong)Math.Min(persons, ActivePeople)));
        return new Bid(auction, bidder, 100 + (long)((h >> 40) % 100_000), eventTimeMs, "");
    }

    /// <summary>Event <paramref name="index"/> at its own event time: in order, or delayed by up to <see cref="MaxDelayMs"/>.</summary>
    public NexmarkEvent Event(long index)
    {
        long t = InOrderTime(index);
        ulong h = Hash(index ^ 0x5A5A5A5A);
        if (MaxDelayMs > 0 && (h % 10_000) < DelayedShare * 10_000) t -= (long)((h >> 16) % (ulong)(MaxDelayMs + 1));
        return Event(index, t);
    }

    /// <summary>The first <paramref name="count"/> events, in stream order.</summary>
    public IEnumerable<NexmarkEvent> Events(long count)
    {
        for (long i = 0; i < count; i++) yield return Event(i);
    }

    private static int Pick(ulong h, int n) => (int)(h % (ulong)n);

    private ulong Hash(long index)
    {
        ulong z = (ulong)index + (ulong)seed * 0x9E3779B97F4A7C15ul + 0x9E3779B97F4A7C15ul;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ul;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBul;
        return z ^ (z >> 31);
    }
}
