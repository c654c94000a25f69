namespace Cameo.Workloads.Nexmark;

/// <summary>
/// The NEXMark queries as plain single-thread C# loops over the whole input in memory (no engine,
/// no watermarks: the input is complete): the practical limit a stream processor is compared with.
/// Each returns how many results the query has, which must equal the engine's count.
/// </summary>
public static class NexmarkLoops
{
    private const long WindowMs = 10_000, SlideMs = 2_000, GapMs = 10_000;

    private static long Floor(long t, long size) => t - ((t % size) + size) % size;

    /// <summary>Runs query <paramref name="name"/> (q0 ... q11) over <paramref name="input"/>; returns its result count.</summary>
    public static long Run(string name, NexmarkEvent[] input) => name switch
    {
        "q0" => input.Count(e => e is Bid),
        "q1" => Q1(input),
        "q2" => input.Count(e => e is Bid b && b.Auction % NexmarkQueries.AuctionSkip == 0),
        "q3" => Q3(input),
        "q4" => Q4(input),
        "q5" => Q5(input),
        "q6" => WinningBids(input).Count,
        "q7" => Q7(input),
        "q8" => Q8(input),
        "q11" => Q11(input),
        _ => throw new ArgumentException($"No plain loop for '{name}'.", nameof(name)),
    };

    private static long Q1(NexmarkEvent[] input)
    {
        long n = 0, checksum = 0;
        foreach (var e in input)
            if (e is Bid b) { checksum += b.Price * 89 / 100; n++; }
        return checksum == long.MinValue ? -1 : n; // the checksum keeps the conversion from being optimized away
    }

    private static long Q3(NexmarkEvent[] input)
    {
        var sellers = new Dictionary<long, long>(); // person id -> joined at, for persons of the chosen states
        long n = 0;
        foreach (var e in input)
        {
            if (e is Person p && Array.IndexOf(NexmarkQueries.LocalStates, p.State) >= 0) sellers[p.Id] = p.DateTime;
            else if (e is Auction a && a.Category == NexmarkQueries.LocalCategory && sellers.TryGetValue(a.Seller, out long joined) && joined <= a.DateTime) n++;
        }
        return n;
    }

    /// <summary>Every auction with a bid placed while it was open, with its highest such price.</summary>
    private static List<WinningBid> WinningBids(NexmarkEvent[] input)
    {
        var auctions = new Dictionary<long, Auction>();
        var best = new Dictionary<long, long>();
        foreach (var e in input)
        {
            if (e is Auction a) auctions[a.Id] = a;
            else if (e is Bid b && auctions.TryGetValue(b.Auction, out var of) && b.DateTime >= of.DateTime && b.DateTime <= of.Expires)
                best[b.Auction] = best.TryGetValue(b.Auction, out long price) ? Math.Max(price, b.Price) : b.Price;
        }
        return [.. best.Select(w => { var a = auctions[w.Key]; return new WinningBid(a.Id, a.Seller, a.Category, w.Value, a.Expires); })];
    }

    private static long Q4(NexmarkEvent[] input)
    {
        var windows = new Dictionary<(long Category, long Start), (double Sum, long Count)>();
        foreach (var w in WinningBids(input))
            for (long start = Floor(w.Expires, SlideMs); start > w.Expires - WindowMs; start -= SlideMs)
            {
                windows.TryGetValue((w.Category, start), out var acc);
                windows[(w.Category, start)] = (acc.Sum + w.Price, acc.Count + 1);
            }
        return windows.Count;
    }

    private static long Q5(NexmarkEvent[] input)
    {
        var counts = new Dictionary<(long Start, long Auction), long>();
        foreach (var e in input)
            if (e is Bid b)
                for (long start = Floor(b.DateTime, SlideMs); start > b.DateTime - WindowMs; start -= SlideMs)
                    counts[(start, b.Auction)] = counts.GetValueOrDefault((start, b.Auction)) + 1;
        var best = new Dictionary<long, (long Max, long Tied)>();
        foreach (var ((start, _), count) in counts)
        {
            var (max, tied) = best.GetValueOrDefault(start, (-1, 0));
            best[start] = count > max ? (count, 1) : count == max ? (max, tied + 1) : (max, tied);
        }
        return best.Values.Sum(b => b.Tied);
    }

    private static long Q7(NexmarkEvent[] input)
    {
        var best = new Dictionary<long, (long Max, long Tied)>();
        foreach (var e in input)
            if (e is Bid b)
            {
                long start = Floor(b.DateTime, WindowMs);
                var (max, tied) = best.GetValueOrDefault(start, (-1, 0));
                best[start] = b.Price > max ? (b.Price, 1) : b.Price == max ? (max, tied + 1) : (max, tied);
            }
        return best.Values.Sum(b => b.Tied);
    }

    private static long Q8(NexmarkEvent[] input)
    {
        var sellers = new HashSet<(long Seller, long Window)>();
        foreach (var e in input)
            if (e is Auction a) sellers.Add((a.Seller, Floor(a.DateTime, WindowMs)));
        long n = 0;
        foreach (var e in input)
            if (e is Person p && sellers.Contains((p.Id, Floor(p.DateTime, WindowMs)))) n++;
        return n;
    }

    private static long Q11(NexmarkEvent[] input)
    {
        var times = new Dictionary<long, List<long>>();
        foreach (var e in input)
            if (e is Bid b)
            {
                if (!times.TryGetValue(b.Bidder, out var list)) times[b.Bidder] = list = [];
                list.Add(b.DateTime);
            }
        long sessions = 0;
        foreach (var list in times.Values)
        {
            list.Sort();
            sessions++;
            for (int i = 1; i < list.Count; i++)
                if (list[i] - list[i - 1] >= GapMs) sessions++;
        }
        return sessions;
    }
}
