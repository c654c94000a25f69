namespace Cameo.Workloads.Nexmark;

/// <summary>One event of the NEXMark stream: a new person, a new auction, or a bid. <see cref="DateTime"/> is its event time (Unix ms).</summary>
public abstract record NexmarkEvent(long DateTime);

/// <summary>A person joins the auction site.</summary>
public sealed record Person(long Id, string Name, string EmailAddress, string CreditCard, string City, string State, long DateTime, string Extra)
    : NexmarkEvent(DateTime);

/// <summary>A person opens an auction of an item.</summary>
public sealed record Auction(long Id, string ItemName, string Description, long InitialBid, long Reserve, long DateTime, long Expires,
    long Seller, long Category, string Extra) : NexmarkEvent(DateTime);

/// <summary>A person bids on an auction.</summary>
public sealed record Bid(long Auction, long Bidder, long Price, long DateTime, string Extra) : NexmarkEvent(DateTime);
