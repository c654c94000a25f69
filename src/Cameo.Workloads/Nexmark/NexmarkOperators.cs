using System.Text.Json;
using Cameo.Operators;
using Cameo.Progress;

namespace Cameo.Workloads.Nexmark;

/// <summary>A closed auction and the highest price bid on it while it was open (Q4, Q6).</summary>
public sealed record WinningBid(long Auction, long Seller, long Category, long Price, long Expires);

/// <summary>
/// NEXMark's winning bids: keyed by auction, it takes each bid paired with its auction (a bid placed
/// while the auction was open) and keeps the highest price; an auction closes once the watermark
/// reaches its expiry (no bid at or before it can come any more) and its winning bid goes out,
/// stamped with the expiry. An auction with no bid yields nothing.
/// </summary>
public sealed class WinningBidsOperator : Operator<(Bid Bid, Auction Auction), WinningBid>, ICheckpointedOperator
{
    private readonly Dictionary<long, WinningBid> _open = [];
    private readonly PriorityQueue<long, (long Expires, long Auction)> _byExpiry = new();
    private long _watermark = Watermark.None;

    private sealed record Saved(long Watermark, List<WinningBid> Open);

    public override void OnRecords(ReadOnlySpan<(Bid Bid, Auction Auction)> items, ReadOnlySpan<long> timestamps, IOutput<WinningBid> output)
    {
        foreach (var (bid, auction) in items)
        {
            if (_open.TryGetValue(auction.Id, out var best))
            {
                if (bid.Price > best.Price) _open[auction.Id] = best with { Price = bid.Price };
                continue;
            }
            _open[auction.Id] = new WinningBid(auction.Id, auction.Seller, auction.Category, bid.Price, auction.Expires);
            _byExpiry.Enqueue(auction.Id, (auction.Expires, auction.Id));
        }
    }

    public override void OnWatermark(long watermark, IOutput<WinningBid> output)
    {
        _watermark = watermark;
        while (_byExpiry.TryPeek(out long id, out var due) && due.Expires <= watermark)
        {
            _byExpiry.Dequeue();
            _open.Remove(id, out var winner);
            output.Emit(winner!, winner!.Expires);
        }
    }

    public byte[] Snapshot(JsonSerializerOptions serializer) => JsonSerializer.SerializeToUtf8Bytes(new Saved(_watermark, [.. _open.Values]), serializer);

    public void Restore(byte[] state, JsonSerializerOptions serializer)
    {
        var saved = JsonSerializer.Deserialize<Saved>(state, serializer) ?? throw new InvalidDataException("Empty winning-bids state.");
        _watermark = saved.Watermark;
        _open.Clear();
        _byExpiry.Clear();
        foreach (var w in saved.Open)
        {
            _open[w.Auction] = w;
            _byExpiry.Enqueue(w.Auction, (w.Expires, w.Auction));
        }
    }
}

/// <summary>
/// Q6's running average: keyed by seller, each closed auction (in expiry order, then auction id,
/// once the watermark has passed it) updates the average winning price of the seller's last
/// <paramref name="last"/> closed auctions, which goes out stamped with the expiry.
/// </summary>
public sealed class SellerAverageOperator(int last) : Operator<WinningBid, Q6Result>, ICheckpointedOperator
{
    private readonly List<WinningBid> _waiting = [];
    private readonly Dictionary<long, Queue<long>> _prices = [];
    private long _watermark = Watermark.None;

    private sealed record Saved(long Watermark, List<WinningBid> Waiting, List<KeyValuePair<long, long[]>> Prices);

    public override void OnRecords(ReadOnlySpan<WinningBid> items, ReadOnlySpan<long> timestamps, IOutput<Q6Result> output)
    {
        foreach (var item in items) _waiting.Add(item);
    }

    public override void OnWatermark(long watermark, IOutput<Q6Result> output)
    {
        _watermark = watermark;
        var due = _waiting.Where(w => w.Expires <= watermark).OrderBy(w => w.Expires).ThenBy(w => w.Auction).ToList();
        if (due.Count == 0) return;
        _waiting.RemoveAll(w => w.Expires <= watermark);
        foreach (var w in due)
        {
            if (!_prices.TryGetValue(w.Seller, out var prices)) _prices[w.Seller] = prices = new Queue<long>(last);
            if (prices.Count == last) prices.Dequeue();
            prices.Enqueue(w.Price);
            output.Emit(new Q6Result(w.Seller, prices.Average(), prices.Count, w.Expires), w.Expires);
        }
    }

    public byte[] Snapshot(JsonSerializerOptions serializer) =>
        JsonSerializer.SerializeToUtf8Bytes(new Saved(_watermark, _waiting, [.. _prices.Select(p => KeyValuePair.Create(p.Key, p.Value.ToArray()))]), serializer);

    public void Restore(byte[] state, JsonSerializerOptions serializer)
    {
        var saved = JsonSerializer.Deserialize<Saved>(state, serializer) ?? throw new InvalidDataException("Empty seller-average state.");
        _watermark = saved.Watermark;
        _waiting.Clear();
        _waiting.AddRange(saved.Waiting);
        _prices.Clear();
        foreach (var (seller, prices) in saved.Prices) _prices[seller] = new Queue<long>(prices);
    }
}
