using Cameo.Operators;
using Cameo.Time;

namespace Cameo.Workloads.Nexmark;

/// <summary>Q1's result: a bid with its price in euros.</summary>
public readonly record struct Q1Result(long Auction, long Bidder, long Price, long DateTime);

/// <summary>Q2's result: a bid on one of the selected auctions.</summary>
public sealed record Q2Result(long Auction, long Price);

/// <summary>Q3's result: a person in one of the chosen states selling an item of the chosen category.</summary>
public sealed record Q3Result(string Name, string City, string State, long Auction);

/// <summary>Q4's result: the average winning price of the auctions of a category that closed in the sliding window [<paramref name="Start"/>, <paramref name="End"/>).</summary>
public sealed record Q4Result(long Category, double Average, long Start, long End);

/// <summary>Q6's result: a seller's average winning price over its last (up to 10) closed auctions, as of the one that closed at <paramref name="DateTime"/>.</summary>
public sealed record Q6Result(long Seller, double Average, int Auctions, long DateTime);

/// <summary>Q5's result: an auction with the most bids (of any tied) in the sliding window [<paramref name="Start"/>, <paramref name="End"/>).</summary>
public sealed record Q5Result(long Auction, long Bids, long Start, long End);

/// <summary>Q7's result: a bid with the highest price of its tumbling window (every tied bid).</summary>
public sealed record Q7Result(long Auction, long Bidder, long Price, long DateTime, long WindowEnd);

/// <summary>Q8's result: a person who joined and opened an auction in the same tumbling window (one row per person and window).</summary>
public sealed record Q8Result(long Id, string Name, long WindowStart);

/// <summary>Q11's result: the bids of one bidder's session.</summary>
public sealed record Q11Result(long Bidder, long Bids, long Start, long End);

/// <summary>
/// The NEXMark queries on the public API, as the Flink SQL suite defines them (windows: Q5 hopping
/// 10 s every 2 s, Q7 and Q8 tumbling 10 s, Q11 sessions with a 10 s gap; Q1 converts with Beam's
/// <c>price * 89 / 100</c> in integers, Q2 keeps <c>auction % 123 == 0</c>). Each takes the event
/// stream and returns its results; a <c>parallelism</c> argument is given to the keyed operators.
/// </summary>
public static class NexmarkQueries
{
    /// <summary>The Flink suite's watermark: four seconds behind the largest event time.</summary>
    public static readonly TimeSpan OutOfOrderness = TimeSpan.FromSeconds(4);

    public static readonly TimeSpan Window = TimeSpan.FromSeconds(10);
    public static readonly TimeSpan HotItemsSlide = TimeSpan.FromSeconds(2);
    public static readonly TimeSpan SessionGap = TimeSpan.FromSeconds(10);

    /// <summary>Q3's states and category (the Flink suite's).</summary>
    public static readonly string[] LocalStates = ["OR", "ID", "CA"];
    public const long LocalCategory = 10;

    /// <summary>Q6: how many of a seller's last closed auctions its average covers.</summary>
    public const int SellerHistory = 10;

    /// <summary>Beam's <c>auctionSkip</c>: Q2 keeps bids on every 123rd auction.</summary>
    public const long AuctionSkip = 123;

    /// <summary>The event stream with its event times, ready for any of the queries.</summary>
    public static Stream<NexmarkEvent> Events(QueryBuilder query, Source<NexmarkEvent> source) =>
        query.From(source).WithEventTime(e => e.DateTime, OutOfOrderness);

    /// <summary>Q0, pass-through: every bid.</summary>
    public static Stream<Bid> Q0(Stream<NexmarkEvent> events) => events.OfType<Bid>();

    /// <summary>Q1, currency conversion.</summary>
    public static Stream<Q1Result> Q1(Stream<NexmarkEvent> events) =>
        events.OfType<Bid>().Select(b => new Q1Result(b.Auction, b.Bidder, b.Price * 89 / 100, b.DateTime));

    /// <summary>Q2, selection.</summary>
    public static Stream<Q2Result> Q2(Stream<NexmarkEvent> events) =>
        events.OfType<Bid>().Where(b => b.Auction % AuctionSkip == 0).Select(b => new Q2Result(b.Auction, b.Price));

    /// <summary>
    /// Q3, local item suggestion: auctions of category 10 with their seller, a person from OR, ID or
    /// CA. Persons are a table (keyed by id) the auctions look up as of their own time: a seller who
    /// joined after the auction's time is not found (inner join).
    /// </summary>
    public static Stream<Q3Result> Q3(Stream<NexmarkEvent> events, int parallelism = 1)
    {
        var persons = events.OfType<Person>().Where(p => Array.IndexOf(LocalStates, p.State) >= 0);
        return events.OfType<Auction>().Where(a => a.Category == LocalCategory)
            .JoinTable(persons, a => a.Seller, p => p.Id, (a, p) => new Q3Result(p.Name, p.City, p.State, a.Id)).WithParallelism(parallelism);
    }

    /// <summary>
    /// The winning bid of every closed auction: bids look their auction up (as of the bid's time, so
    /// only bids placed after it opened), bids after the expiry are dropped, and the highest price per
    /// auction goes out when the watermark passes the expiry, stamped with it.
    /// </summary>
    public static Stream<WinningBid> WinningBids(Stream<NexmarkEvent> events, int parallelism = 1) =>
        events.OfType<Bid>()
            .JoinTable(events.OfType<Auction>(), b => b.Auction, a => a.Id, (b, a) => (Bid: b, Auction: a)).WithParallelism(parallelism)
            .Where(p => p.Bid.DateTime <= p.Auction.Expires)
            .KeyBy(p => p.Auction.Id).Apply("WinningBids", () => new WinningBidsOperator()).WithParallelism(parallelism);

    /// <summary>
    /// Q4, average price per category: the winning bids of closed auctions, averaged per category
    /// over sliding windows of their closing times (Beam's Query4: 10 s every 2 s).
    /// </summary>
    public static Stream<Q4Result> Q4(Stream<NexmarkEvent> events, int parallelism = 1) =>
        WinningBids(events, parallelism)
            .KeyBy(w => w.Category).Window(Window, HotItemsSlide).Average(w => w.Price).WithParallelism(parallelism)
            .Select(r => new Q4Result(r.Key, r.Value, r.Start, r.End));

    /// <summary>
    /// Q6, average selling price by seller: for each closed auction, the average winning price of its
    /// seller's last 10 closed auctions (in closing order).
    /// </summary>
    public static Stream<Q6Result> Q6(Stream<NexmarkEvent> events, int parallelism = 1) =>
        WinningBids(events, parallelism)
            .KeyBy(w => w.Seller).Apply("SellerAverage", () => new SellerAverageOperator(SellerHistory)).WithParallelism(parallelism);

    /// <summary>
    /// Q5, hot items: bids per auction in hopping windows, then, per window, the auctions with the
    /// most. A window's counts are stamped with its last millisecond, so a global tumbling window of
    /// one slide gathers exactly that window's counts.
    /// </summary>
    public static Stream<Q5Result> Q5(Stream<NexmarkEvent> events, int parallelism = 1) =>
        events.OfType<Bid>()
            .KeyBy(b => b.Auction).Window(Window, HotItemsSlide).Count().WithParallelism(parallelism)
            .WindowAll(HotItemsSlide)
            .Aggregate(() => new Hottest(), (acc, r) => acc.Add(r), acc => acc)
            .SelectMany(r => r.Value.Auctions.Select(a => new Q5Result(a, r.Value.Bids, r.Value.Start, r.Value.End)));

    /// <summary>Q5's accumulator: the largest count so far and every auction that has it.</summary>
    public sealed class Hottest
    {
        public long Bids { get; private set; } = -1;
        public List<long> Auctions { get; } = [];
        public long Start { get; private set; }
        public long End { get; private set; }

        public Hottest Add(WindowResult<long, long> count)
        {
            (Start, End) = (count.Start, count.End);
            if (count.Value > Bids) { Bids = count.Value; Auctions.Clear(); }
            if (count.Value == Bids) Auctions.Add(count.Key);
            return this;
        }
    }

    /// <summary>Q7, highest bid: the bids whose price is the largest of their tumbling window.</summary>
    public static Stream<Q7Result> Q7(Stream<NexmarkEvent> events) =>
        events.OfType<Bid>()
            .WindowAll(Window)
            .Aggregate(() => new List<Bid>(), (acc, b) =>
            {
                if (acc.Count > 0 && b.Price < acc[0].Price) return acc;
                if (acc.Count > 0 && b.Price > acc[0].Price) acc.Clear();
                acc.Add(b);
                return acc;
            }, acc => acc.ToArray())
            .SelectMany(r => r.Value.Select(b => new Q7Result(b.Auction, b.Bidder, b.Price, b.DateTime, r.End)));

    /// <summary>
    /// Q8, monitor new users: people who opened an auction in the window they joined; a window-aware
    /// join pairs them, and a second window of the same size keeps one row per person and window.
    /// </summary>
    public static Stream<Q8Result> Q8(Stream<NexmarkEvent> events, int parallelism = 1)
    {
        var persons = events.OfType<Person>();
        var auctions = events.OfType<Auction>();
        return persons
            .Join(auctions, p => p.Id, a => a.Seller, WindowSpec.Tumbling(Window), (p, a, w) => new Q8Result(p.Id, p.Name, w.Start)).WithParallelism(parallelism)
            .KeyBy(r => r).Window(Window).Count().WithParallelism(parallelism)
            .Select(r => r.Key);
    }

    /// <summary>Q11, user sessions: bids per bidder per session (10 s gap).</summary>
    public static Stream<Q11Result> Q11(Stream<NexmarkEvent> events, int parallelism = 1) =>
        events.OfType<Bid>()
            .KeyBy(b => b.Bidder).SessionWindow(SessionGap).Count().WithParallelism(parallelism)
            .Select(r => new Q11Result(r.Key, r.Value, r.Start, r.End));
}
