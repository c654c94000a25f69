namespace Cameo.Scheduling.Policies;

/// <summary>
/// Proportional share: while several queries have work, each gets processing time in proportion to
/// its weight (<see cref="QueryBuilder.WithWeight"/>, default 1), whatever their targets. The
/// paper's example of a policy plugged into Cameo's scheduler; start-time fair queuing over
/// profiled costs.
/// </summary>
/// <remarks>
/// <para>
/// Unlike the other policies, a share cannot be read off one message: it depends on what the
/// query has already received. So this policy keeps state per query (a weight and a virtual finish
/// tag) and learns each query through <see cref="IQueryAwarePolicy.AddQuery"/>, which the engine
/// calls when a query is added, with the weight its builder was given. Queries it was not told
/// about (runtimes that deploy without the engine) count with weight 1.
/// </para>
/// <para>
/// A message's rank is its query's virtual start tag <c>S = max(V, F)</c>; the query's finish tag
/// then advances by the message's profiled cost divided by the weight, <c>F = S + C(o, M) / w</c>.
/// Served in tag order, backlogged queries advance through virtual time at the same pace, so their
/// processing time splits in the ratio of their weights. The virtual time <c>V</c> is the least
/// finish tag among active queries (those that sent a message within <see cref="IdleAfter"/>), and
/// never goes back: a query that comes back after being idle starts at the others' pace instead
/// of with the credit it did not use, and an active query is never pushed back by it. A single
/// instance holds the state of one engine's queries: give each engine its own (see
/// <see cref="SchedulingPolicies.Parse"/>).
/// </para>
/// <para>
/// Per message the work is a scan of the queries' tags and one compare-and-swap: no locks, no
/// allocation (the per-query array is replaced only when a query is added).
/// </para>
/// </remarks>
public sealed class FairShare : ISchedulingPolicy, IQueryAwarePolicy
{
    /// <summary>Virtual time units per tick of cost at weight 1 (keeps the tags of heavy weights exact).</summary>
    private const double UnitsPerTick = 64;

    private readonly Lock _adding = new();
    private QueryShare?[] _queries = [];
    private long _virtualTime;

    /// <param name="idleAfter">
    /// How long a query may send nothing and still count as active. Default 250 ms: a low-weight
    /// query whose queued messages are all tagged ahead of the others' can go unserved, and so send
    /// nothing, for a while, and must not lose its place for it; a returning query gains at most
    /// this long of the others' progress.
    /// </param>
    public FairShare(TimeSpan? idleAfter = null) => IdleAfter = idleAfter ?? TimeSpan.FromMilliseconds(250);

    public string Name => "fair-share";

    /// <summary>How long a query may send nothing and still count as active (and hold the virtual time back).</summary>
    public TimeSpan IdleAfter { get; }

    /// <summary>The weight query <paramref name="queryId"/> runs with (1 for queries not added).</summary>
    public double WeightOf(int queryId)
    {
        var queries = Volatile.Read(ref _queries);
        return (uint)queryId < (uint)queries.Length && queries[queryId] is { } q ? q.Weight : 1;
    }

    public void AddQuery(int queryId, double weight)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(queryId);
        if (!(weight > 0) || double.IsInfinity(weight)) throw new ArgumentOutOfRangeException(nameof(weight), weight, "A weight must be positive and finite.");
        lock (_adding)
        {
            var queries = _queries;
            if (queryId >= queries.Length) Array.Resize(ref queries, Math.Max(queryId + 1, queries.Length * 2));
            else queries = [.. queries];
            queries[queryId] = new QueryShare(weight);
            Volatile.Write(ref _queries, queries);
        }
    }

    public long Rank(in PriorityContext context, long enqueuedAt)
    {
        var queries = Volatile.Read(ref _queries);
        if ((uint)context.QueryId >= (uint)queries.Length || queries[context.QueryId] is null)
        {
            AddQuery(context.QueryId, 1);
            queries = Volatile.Read(ref _queries);
        }
        var self = queries[context.QueryId]!;

        // V: the least finish tag of the active queries (self included only if active itself).
        long idle = IdleAfter.Ticks, floor = long.MaxValue;
        foreach (var q in queries)
            if (q is not null && enqueuedAt - Volatile.Read(ref q.LastSent) <= idle)
                floor = Math.Min(floor, Volatile.Read(ref q.Finish));
        long virtualTime = Volatile.Read(ref _virtualTime);
        while (floor != long.MaxValue && floor > virtualTime)
        {
            long seen = Interlocked.CompareExchange(ref _virtualTime, floor, virtualTime);
            if (seen == virtualTime) virtualTime = floor;
            else virtualTime = seen;
        }

        long advance = Math.Max(1, (long)(Math.Max(1, context.OperatorCost) * self.UnitsPerCostTick));
        long finish = Volatile.Read(ref self.Finish), start;
        while (true)
        {
            start = Math.Max(virtualTime, finish);
            long seen = Interlocked.CompareExchange(ref self.Finish, start + advance, finish);
            if (seen == finish) break;
            finish = seen;
        }
        Volatile.Write(ref self.LastSent, enqueuedAt);
        return start;
    }

    /// <summary>One query's share: its weight, its finish tag, and when it last sent a message.</summary>
    private sealed class QueryShare(double weight)
    {
        public readonly double Weight = weight;
        public readonly double UnitsPerCostTick = UnitsPerTick / weight;
        public long Finish;
        public long LastSent = long.MinValue / 2;
    }
}
