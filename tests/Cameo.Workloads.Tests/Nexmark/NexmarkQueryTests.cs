using System.Collections.Concurrent;
using Cameo.Workloads.Nexmark;

namespace Cameo.Workloads.Tests.Nexmark;

/// <summary>
/// The NEXMark queries on a small generated run with disorder (every event at most 3 s early, within
/// the 4 s watermark bound, so nothing is late), at parallelism 1–3, against brute-force models
/// written from the definitions over the whole input.
/// </summary>
public class NexmarkQueryTests
{
    private static readonly NexmarkGenerator Generator = new(seed: 5, eventsPerSecond: 400, maxDelayMs: 3000, delayedShare: 0.2);
    private static readonly NexmarkEvent[] Input = [.. Generator.Events(12_000)]; // 30 s of event time
    private static readonly Bid[] Bids = [.. Input.OfType<Bid>()];

    private const long WindowMs = 10_000, SlideMs = 2_000;
    private static long Floor(long t, long size) => t / size * size;

    private static async Task<List<T>> RunAsync<T>(Func<Stream<NexmarkEvent>, Stream<T>> query, int batchSize = 64)
    {
        var results = new ConcurrentBag<T>();
        await using var engine = CameoEngine.Create(o => { o.Workers = 2; o.BatchSize = batchSize; });
        var q = engine.AddQuery("nexmark", TimeSpan.FromSeconds(1), b => query(NexmarkQueries.Events(b, Source.From(Input))).To(results.Add));
        await engine.RunAsync().WaitAsync(TimeSpan.FromSeconds(60));
        await q.Completion;
        Assert.Equal(0, q.Stats.LateEvents);
        return [.. results];
    }

    [Fact]
    public void The_generator_keeps_the_proportions_ids_and_disorder_bound()
    {
        Assert.Equal(Input.Length / 50 * 1, Input.OfType<Person>().Count());
        Assert.Equal(Input.Length / 50 * 3, Input.OfType<Auction>().Count());
        Assert.Equal(Input.Length / 50 * 46, Bids.Length);
        Assert.Equal(Enumerable.Range(1000, Input.Length / 50).Select(i => (long)i), Input.OfType<Person>().Select(p => p.Id));
        var persons = Input.OfType<Person>().Select(p => p.Id).ToHashSet();
        var auctions = Input.OfType<Auction>().Select(a => a.Id).ToHashSet();
        Assert.All(Bids, b => Assert.Contains(b.Auction, auctions));
        Assert.All(Bids, b => Assert.Contains(b.Bidder, persons));
        Assert.All(Input.OfType<Auction>(), a => Assert.InRange(a.Category, 10, 14));
        long max = long.MinValue, disorder = 0;
        foreach (var e in Input)
        {
            Assert.True(max == long.MinValue || e.DateTime > max - 4000, "disorder beyond the watermark bound");
            if (max != long.MinValue) disorder = Math.Max(disorder, max - e.DateTime);
            max = Math.Max(max, e.DateTime);
        }
        Assert.True(disorder > 1000, "no disorder");
        Assert.Equal(Input, Generator.Events(Input.Length)); // deterministic
    }

    [Fact]
    public async Task Q0_Q1_and_Q2_match_their_definitions()
    {
        Assert.Equal(Bids.Order(Comparer<Bid>.Create((a, b) => (a.DateTime, a.Auction, a.Bidder, a.Price).CompareTo((b.DateTime, b.Auction, b.Bidder, b.Price)))),
            (await RunAsync(NexmarkQueries.Q0)).Order(Comparer<Bid>.Create((a, b) => (a.DateTime, a.Auction, a.Bidder, a.Price).CompareTo((b.DateTime, b.Auction, b.Bidder, b.Price)))));
        Assert.Equal(Bids.Select(b => (b.Auction, b.Bidder, b.Price * 89 / 100, b.DateTime)).Order(),
            (await RunAsync(NexmarkQueries.Q1)).Select(r => (r.Auction, r.Bidder, r.Price, r.DateTime)).Order());
        var q2 = Bids.Where(b => b.Auction % 123 == 0).Select(b => (b.Auction, b.Price)).Order().ToList();
        Assert.NotEmpty(q2);
        Assert.Equal(q2, (await RunAsync(NexmarkQueries.Q2)).Select(r => (r.Auction, r.Price)).Order());
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task Q3_local_item_suggestions_match_the_model(int parallelism)
    {
        // Auctions of category 10 whose seller, from OR, ID or CA, had joined by the auction's time.
        var persons = Input.OfType<Person>().ToDictionary(p => p.Id);
        var want = Input.OfType<Auction>().Where(a => a.Category == 10)
            .Select(a => (Auction: a, Seller: persons[a.Seller]))
            .Where(x => x.Seller.State is "OR" or "ID" or "CA" && x.Seller.DateTime <= x.Auction.DateTime)
            .Select(x => (x.Seller.Name, x.Seller.City, x.Seller.State, x.Auction.Id)).Order().ToList();
        Assert.NotEmpty(want);
        var got = (await RunAsync(e => NexmarkQueries.Q3(e, parallelism))).Select(r => (r.Name, r.City, r.State, r.Auction)).Order().ToList();
        Assert.Equal(want, got);
    }

    /// <summary>Every auction with a bid placed while it was open, and its highest such price.</summary>
    private static List<WinningBid> WinningBidsModel() =>
        [.. from a in Input.OfType<Auction>()
            let prices = Bids.Where(b => b.Auction == a.Id && b.DateTime >= a.DateTime && b.DateTime <= a.Expires).Select(b => b.Price).ToList()
            where prices.Count > 0
            select new WinningBid(a.Id, a.Seller, a.Category, prices.Max(), a.Expires)];

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task Q4_average_prices_per_category_match_the_model(int parallelism)
    {
        // Per category and hopping window of closing times, the mean winning price.
        var winners = WinningBidsModel();
        var want = winners.SelectMany(w => Enumerable.Range(0, (int)(WindowMs / SlideMs)).Select(k => (w, Start: Floor(w.Expires, SlideMs) - k * SlideMs)))
            .GroupBy(x => (x.w.Category, x.Start))
            .Select(g => (g.Key.Category, Math.Round(g.Average(x => (double)x.w.Price), 6), g.Key.Start, g.Key.Start + WindowMs)).Order().ToList();
        Assert.NotEmpty(want);
        var got = (await RunAsync(e => NexmarkQueries.Q4(e, parallelism))).Select(r => (r.Category, Math.Round(r.Average, 6), r.Start, r.End)).Order().ToList();
        Assert.Equal(want, got);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task Q6_average_selling_prices_per_seller_match_the_model(int parallelism)
    {
        // Per seller, in closing order (then auction id), the mean of its last 10 winning prices.
        var want = WinningBidsModel().GroupBy(w => w.Seller).SelectMany(g =>
        {
            var closed = g.OrderBy(w => w.Expires).ThenBy(w => w.Auction).ToList();
            return closed.Select((w, i) =>
            {
                var last = closed.Skip(Math.Max(0, i - 9)).Take(Math.Min(10, i + 1)).ToList();
                return (w.Seller, Math.Round(last.Average(x => (double)x.Price), 6), last.Count, w.Expires);
            });
        }).Order().ToList();
        Assert.Contains(want, r => r.Count == 10);
        var got = (await RunAsync(e => NexmarkQueries.Q6(e, parallelism))).Select(r => (r.Seller, Math.Round(r.Average, 6), r.Auctions, r.DateTime)).Order().ToList();
        Assert.Equal(want, got);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task Q5_hot_items_match_the_model(int parallelism)
    {
        // Every hopping window holding a bid, the auctions with the most bids in it.
        var starts = Bids.SelectMany(b => Enumerable.Range(0, (int)(WindowMs / SlideMs)).Select(k => Floor(b.DateTime, SlideMs) - k * SlideMs)).Distinct();
        var want = starts.SelectMany(s =>
        {
            var counts = Bids.Where(b => b.DateTime >= s && b.DateTime < s + WindowMs).GroupBy(b => b.Auction).Select(g => (Auction: g.Key, Count: (long)g.Count())).ToList();
            long max = counts.Max(c => c.Count);
            return counts.Where(c => c.Count == max).Select(c => (c.Auction, c.Count, s, s + WindowMs));
        }).Order().ToList();
        var got = (await RunAsync(e => NexmarkQueries.Q5(e, parallelism))).Select(r => (r.Auction, r.Bids, r.Start, r.End)).Order().ToList();
        Assert.Equal(want, got);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public async Task Q7_highest_bids_match_the_model(int batchSize)
    {
        var want = Bids.GroupBy(b => Floor(b.DateTime, WindowMs)).SelectMany(g =>
        {
            long max = g.Max(b => b.Price);
            return g.Where(b => b.Price == max).Select(b => (b.Auction, b.Bidder, b.Price, b.DateTime, g.Key + WindowMs));
        }).Order().ToList();
        var got = (await RunAsync(NexmarkQueries.Q7, batchSize)).Select(r => (r.Auction, r.Bidder, r.Price, r.DateTime, r.WindowEnd)).Order().ToList();
        Assert.Equal(want, got);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task Q8_new_users_match_the_model(int parallelism)
    {
        var sellers = Input.OfType<Auction>().Select(a => (a.Seller, Window: Floor(a.DateTime, WindowMs))).ToHashSet();
        var want = Input.OfType<Person>().Where(p => sellers.Contains((p.Id, Floor(p.DateTime, WindowMs))))
            .Select(p => (p.Id, p.Name, Floor(p.DateTime, WindowMs))).Distinct().Order().ToList();
        Assert.NotEmpty(want);
        var got = (await RunAsync(e => NexmarkQueries.Q8(e, parallelism))).Select(r => (r.Id, r.Name, r.WindowStart)).Order().ToList();
        Assert.Equal(want, got);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task Q11_sessions_match_the_model(int parallelism)
    {
        var want = Bids.GroupBy(b => b.Bidder).SelectMany(g =>
        {
            var sessions = new List<(long Bidder, long Bids, long Start, long End)>();
            long start = 0, last = 0, n = 0;
            foreach (var t in g.Select(b => b.DateTime).Order())
            {
                if (n > 0 && t - last >= 10_000) { sessions.Add((g.Key, n, start, last + 10_000)); n = 0; }
                if (n == 0) start = t;
                last = t;
                n++;
            }
            sessions.Add((g.Key, n, start, last + 10_000));
            return sessions;
        }).Order().ToList();
        var got = (await RunAsync(e => NexmarkQueries.Q11(e, parallelism))).Select(r => (r.Bidder, r.Bids, r.Start, r.End)).Order().ToList();
        Assert.Equal(want, got);
    }

    [Fact]
    public async Task Five_queries_sharing_one_parsed_stream_equal_the_queries_alone()
    {
        var lines = Input.Select(e => NexmarkJson.Serialize(e)).ToArray();
        int parses = 0;
        var q5 = new ConcurrentBag<Q5Result>();
        var q7 = new ConcurrentBag<Q7Result>();
        var q8 = new ConcurrentBag<Q8Result>();
        var q1 = new ConcurrentBag<Q1Result>();
        var q2 = new ConcurrentBag<Q2Result>();
        await using (var engine = CameoEngine.Create(o => { o.Workers = 2; o.BatchSize = 64; }))
        {
            var events = engine.Stream("nexmark", s => s.From(Source.From(lines))
                .Select(l => { Interlocked.Increment(ref parses); return NexmarkJson.Parse(l); }).WithParallelism(2)
                .WithEventTime(e => e.DateTime, NexmarkQueries.OutOfOrderness));
            engine.AddQuery("q1", TimeSpan.FromMilliseconds(20), b => NexmarkQueries.Q1(b.From(events)).To(q1.Add));
            engine.AddQuery("q2", TimeSpan.FromMilliseconds(20), b => NexmarkQueries.Q2(b.From(events)).To(q2.Add));
            engine.AddQuery("q5", TimeSpan.FromSeconds(1), b => NexmarkQueries.Q5(b.From(events), 2).To(q5.Add));
            engine.AddQuery("q7", TimeSpan.FromSeconds(5), b => NexmarkQueries.Q7(b.From(events)).To(q7.Add));
            engine.AddQuery("q8", TimeSpan.FromMilliseconds(100), b => NexmarkQueries.Q8(b.From(events), 2).To(q8.Add));
            await engine.RunAsync().WaitAsync(TimeSpan.FromSeconds(60));
            foreach (var q in engine.Queries) await q.Completion;
        }
        Assert.Equal(lines.Length, parses);
        Assert.Equal((await RunAsync(NexmarkQueries.Q1)).Order(Q1Order), q1.Order(Q1Order));
        Assert.Equal((await RunAsync(NexmarkQueries.Q2)).Select(r => (r.Auction, r.Price)).Order(), q2.Select(r => (r.Auction, r.Price)).Order());
        Assert.Equal((await RunAsync(e => NexmarkQueries.Q5(e))).Select(r => (r.Auction, r.Bids, r.Start)).Order(), q5.Select(r => (r.Auction, r.Bids, r.Start)).Order());
        Assert.Equal((await RunAsync(NexmarkQueries.Q7)).Select(r => (r.Auction, r.Price, r.DateTime)).Order(), q7.Select(r => (r.Auction, r.Price, r.DateTime)).Order());
        Assert.Equal((await RunAsync(e => NexmarkQueries.Q8(e))).Select(r => (r.Id, r.WindowStart)).Order(), q8.Select(r => (r.Id, r.WindowStart)).Order());
    }

    private static readonly IComparer<Q1Result> Q1Order = Comparer<Q1Result>.Create((a, b) => (a.DateTime, a.Auction, a.Bidder, a.Price).CompareTo((b.DateTime, b.Auction, b.Bidder, b.Price)));
}
