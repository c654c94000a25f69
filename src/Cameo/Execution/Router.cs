using System.Runtime.CompilerServices;
using Cameo.Dataflow;
using Cameo.Messages;
using Cameo.Operators;
using Cameo.Progress;
using Cameo.Scheduling;

namespace Cameo.Execution;

/// <summary>
/// An instance's output: splits emitted records by destination instance (the exchange), batches
/// them, and turns each batch into a message with a freshly converted priority context.
/// </summary>
/// <remarks>
/// <para>A message to an operator holds as many records as that operator processes within the query's
/// bound on one message's cost (<see cref="QueryContext.MaxMessageCostTicks"/>), by its profiled
/// cost per record as its replies report it: at least one, at most the batch size, and the batch
/// size until it has been profiled. So no message keeps a worker from more urgent work for long,
/// while cheap operators still get full batches.</para>
/// <para>Per destination it also remembers the last watermark sent, so that a watermark rides on the next
/// data message to that destination, and goes alone only to destinations that got no data.</para>
/// </remarks>
internal sealed class Router<T> : IOutput<T>, IRouter
{
    private sealed class Route
    {
        public required int TargetNode;
        public required int[] Targets;          // query-local instance indices
        public required int Port;
        public required int Channel;            // this sender's channel at every target
        public required Partitioner<T>? Partitioner;
        public required ReleasePath[] Paths;    // the window paths of records sent on this edge: the target's own window, then its paths to the sinks
        public required Buffer[] Buffers;
        public required long[] LastWatermark;
        public required PriorityContext[] LastContext; // per target, the context of the last message sent (kept only in checkpointed queries, for barriers)
        public int Forward;                     // target for unpartitioned records
        public long RateSince = long.MinValue;  // arrival that opened the current rate interval
        public long RateRecords;                // records sent on the edge since then
        public double RecordsPerTick;           // records per physical tick each target gets on the edge (from every sender), over the last interval
        public required double TargetShare;     // of this sender's rate, what each target gets from all senders alike
        public required bool RoundRobin;        // unpartitioned, and parallelisms differ
    }

    /// <summary>The message being filled for one destination; its arrays are cached here for the per-record path.</summary>
    private struct Buffer
    {
        public Message<T>? Message;
        public T[] Items;
        public long[] Timestamps;
        public int Count;
        public int Limit;                       // records this message may hold; 0 while no message is open
        public long MinTimestamp;
    }

    private readonly Route[] _routes;
    private readonly QueryContext _query;
    private readonly IFrontierSource _frontier; // the query's arrival forecast: all the router needs of its progress
    private DownstreamCosts _costs = null!;
    private readonly int _self;
    private readonly int _batchSize;
    private readonly long _maxMessageTicks;
    private readonly MessagePool<T> _pool;
    private ITransport? _transport;
    private long _arrival;

    /// <param name="query">The query's shared context.</param>
    /// <param name="node">The operator whose output this is (the last of its chain).</param>
    /// <param name="partition">Which of the node's instances sends.</param>
    /// <param name="self">Query-local index of the sending instance.</param>
    /// <param name="instancesOf">The instances of each node.</param>
    /// <param name="batchSize">Most records per message.</param>
    /// <param name="fromPort">Which of <paramref name="node"/>'s outputs this router sends: 0 for its results, or a side output (see <see cref="LogicalEdge.FromPort"/>).</param>
    public Router(QueryContext query, LogicalNode node, int partition, int self, Func<LogicalNode, int[]> instancesOf, int batchSize, int fromPort = 0)
    {
        _query = query;
        _frontier = query.Frontier;
        _self = self;
        _batchSize = batchSize;
        _maxMessageTicks = query.MaxMessageCostTicks;
        _pool = new MessagePool<T>(batchSize);
        _routes = [.. node.Outputs.Where(e => e.FromPort == fromPort).Select(e =>
        {
            int[] targets = instancesOf(e.To);
            return new Route
            {
                TargetNode = e.To.Id,
                Targets = targets,
                Port = e.Port,
                Channel = e.ChannelBase + partition,
                Partitioner = (Partitioner<T>?)e.Partitioner,
                Paths = e.To.InputReleasePaths,
                Buffers = new Buffer[targets.Length],
                LastWatermark = Enumerable.Repeat(Watermark.None, targets.Length).ToArray(),
                LastContext = new PriorityContext[query.Checkpoints is null ? 0 : targets.Length],
                Forward = node.Parallelism == targets.Length ? partition : partition % targets.Length,
                RoundRobin = e.Partitioner is null && node.Parallelism != targets.Length,
                // Forward: this sender feeds one target alone. Spread (by key or round-robin): every
                // sender feeds every target, so a target gets senders / targets of one sender's rate.
                TargetShare = e.Partitioner is null && node.Parallelism == targets.Length ? 1.0 : (double)node.Parallelism / targets.Length,
            };
        })];
        HasWindowBelow = _routes.Any(r => r.Paths.Any(p => !p.IsImmediate));
    }

    public void Bind(ITransport transport) => _transport = transport;

    /// <summary>Most records per message.</summary>
    public int BatchSize => _batchSize;

    /// <summary>Prices outgoing messages with the owning host's knowledge of downstream costs.</summary>
    public void UseCosts(DownstreamCosts costs) => _costs = costs;

    /// <summary>Physical arrival to stamp on the records emitted next (the input being processed).</summary>
    public long Arrival { get => _arrival; set => _arrival = value; }

    public void Emit(T item, long timestamp)
    {
        var routes = _routes;
        for (int r = 0; r < routes.Length; r++)
        {
            var route = routes[r];
            Append(route, route.Partitioner is { } partitioner ? partitioner.Route(item, route.Targets.Length) : route.Forward, item, timestamp);
        }
    }

    /// <summary>Adds a record to the message being filled for <paramref name="target"/>, and sends it when full.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Append(Route route, int target, T item, long timestamp)
    {
        ref Buffer b = ref route.Buffers[target];
        // A full message is sent only when the next record needs room, so that one filled by the
        // last record of an input still carries the watermark that Flush adds (one message, not two).
        if (b.Count == b.Limit) Next(route, target, ref b);
        int n = b.Count;
        b.Items[n] = item;
        b.Timestamps[n] = timestamp;
        if (timestamp < b.MinTimestamp) b.MinTimestamp = timestamp;
        b.Count = n + 1;
    }

    /// <summary>
    /// Emits a batch of records, as <see cref="Emit"/> would one by one. Unpartitioned routes copy the
    /// batch in bulk into the destination's message (the source's path, where every record passes).
    /// </summary>
    public void EmitBatch(ReadOnlySpan<T> items, ReadOnlySpan<long> timestamps)
    {
        foreach (var route in _routes)
        {
            if (route.Partitioner is not null)
            {
                for (int i = 0; i < items.Length; i++) Append(route, route.Partitioner.Route(items[i], route.Targets.Length), items[i], timestamps[i]);
                continue;
            }
            int done = 0;
            while (done < items.Length)
            {
                int target = route.Forward;
                ref Buffer b = ref route.Buffers[target];
                if (b.Count == b.Limit) Next(route, target, ref b);
                int n = Math.Min(b.Limit - b.Count, items.Length - done);
                var stamps = timestamps.Slice(done, n);
                items.Slice(done, n).CopyTo(b.Items.AsSpan(b.Count));
                stamps.CopyTo(b.Timestamps.AsSpan(b.Count));
                long min = b.MinTimestamp;
                foreach (long t in stamps) if (t < min) min = t;
                b.MinTimestamp = min;
                b.Count += n;
                done += n;
            }
        }
    }

    /// <summary>Sends the destination's full message, if one is open, and starts filling a pooled one sized for the route's target.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void Next(Route route, int target, ref Buffer b)
    {
        if (b.Message is not null) SendBuffer(route, target, Watermark.None);
        var message = _pool.Rent();
        b.Message = message;
        b.Items = message.Items;
        b.Timestamps = message.Timestamps;
        b.Limit = CostProfile.UnitsWithin(_maxMessageTicks, _costs.RecordCostOf(route.TargetNode), _batchSize);
        b.MinTimestamp = long.MaxValue;
    }

    /// <summary>
    /// Sends every buffered batch, with <paramref name="watermark"/> riding on it if that is news to
    /// the destination; destinations with no data but stale progress get the watermark alone.
    /// </summary>
    public void Flush(long watermark)
    {
        foreach (var route in _routes)
        {
            for (int t = 0; t < route.Targets.Length; t++)
            {
                bool progress = watermark > route.LastWatermark[t];
                if (route.Buffers[t].Count > 0) SendBuffer(route, t, progress ? watermark : Watermark.None);
                else if (progress) SendWatermark(route, t, watermark);
            }
            if (route.RoundRobin)
                route.Forward = (route.Forward + 1) % route.Targets.Length; // round-robin between batches
        }
    }

    /// <summary>True if some destination has a window below it (its watermarks can close one).</summary>
    public bool HasWindowBelow { get; }

    /// <summary>True if <paramref name="watermark"/> would close a window below some destination.</summary>
    public bool ClosesWindow(long watermark)
    {
        if (!HasWindowBelow) return false;
        foreach (var route in _routes)
            for (int t = 0; t < route.Targets.Length; t++)
                if (ContextConverter.ClosesWindow(route.LastWatermark[t], watermark, route.Paths)) return true;
        return false;
    }

    /// <summary>Tells every destination that this instance's output has ended.</summary>
    public void End()
    {
        Flush(Watermark.EndOfStream);
        foreach (var route in _routes)
            for (int t = 0; t < route.Targets.Length; t++)
                Send(route, t, MessageKind.End, Watermark.EndOfStream, _arrival, _pool.RentHeader(), 0);
    }

    private void SendBuffer(Route route, int t, long watermark)
    {
        ref Buffer b = ref route.Buffers[t];
        long previous = route.LastWatermark[t];
        long frontier = ContextConverter.Frontier(_arrival, b.MinTimestamp, route.Paths, _frontier, _query.WatermarkDelayMs);
        if (watermark != Watermark.None)
        {
            long wmFrontier = ContextConverter.WatermarkFrontier(_arrival, route.LastWatermark[t], watermark, route.Paths, _frontier, _query.WatermarkDelayMs);
            frontier = Math.Min(frontier, wmFrontier);
            route.LastWatermark[t] = watermark;
        }
        var message = b.Message!;
        int count = b.Count;
        long minTimestamp = b.MinTimestamp;
        b = default;
        MeasureRate(route, count);
        Send(route, t, MessageKind.Data, watermark, frontier, message, count, minTimestamp, previous);
    }

    private void SendWatermark(Route route, int t, long watermark)
    {
        long previous = route.LastWatermark[t];
        long frontier = ContextConverter.WatermarkFrontier(_arrival, previous, watermark, route.Paths, _frontier, _query.WatermarkDelayMs);
        route.LastWatermark[t] = watermark;
        Send(route, t, MessageKind.Watermark, watermark, frontier, _pool.RentHeader(), 0, long.MaxValue, previous);
    }

    private SharedConsumer[] _consumers = [];

    /// <summary>On a shared stream: the most urgent of the contexts the message would carry in the queries reading it.</summary>
    private PriorityContext? SharedContext(ISharedConsumers shared, Route route, long minTimestamp, long previousWatermark, long watermark)
    {
        if (_consumers.Length < shared.Count) _consumers = new SharedConsumer[shared.Count];
        int n = shared.Fill(_consumers);
        return ContextConverter.MostUrgent(_query.Id, _arrival, minTimestamp, previousWatermark, watermark,
            _costs.CostOf(route.TargetNode), _costs.PathBelow(route.TargetNode), _consumers.AsSpan(0, n));
    }

    /// <summary>
    /// Sends the barrier of checkpoint <paramref name="checkpointId"/> to every destination, after
    /// everything sent so far (the caller has flushed). Each barrier carries the context of the last
    /// message on its channel: it asks for no more urgency than the records it follows.
    /// </summary>
    public void Barrier(long checkpointId)
    {
        foreach (var route in _routes)
            for (int t = 0; t < route.Targets.Length; t++)
            {
                var context = route.LastContext[t];
                if (context == default) context = ContextConverter.Build(_query.Id, _query.LatencyTargetTicks, _arrival, _arrival, _costs, route.TargetNode, 0);
                _transport!.Send(route.Targets[t], new BarrierMessage
                {
                    Kind = MessageKind.Barrier,
                    CheckpointId = checkpointId,
                    Sender = _self,
                    Channel = route.Channel,
                    Port = route.Port,
                    Context = context,
                });
            }
    }

    /// <summary>Shortest interval of arrivals over which an edge's record rate is measured.</summary>
    private static readonly long RateIntervalTicks = TimeSpan.FromMilliseconds(100).Ticks;

    /// <summary>Counts <paramref name="records"/> sent on the edge, and renews its rate once per interval of arrivals.</summary>
    private void MeasureRate(Route route, int records)
    {
        if (route.RateSince == long.MinValue) route.RateSince = _arrival;
        route.RateRecords += records;
        long span = _arrival - route.RateSince;
        if (span < RateIntervalTicks) return;
        route.RecordsPerTick = route.RateRecords / (double)span * route.TargetShare;
        route.RateRecords = 0;
        route.RateSince = _arrival;
    }

    private void Send(Route route, int t, MessageKind kind, long watermark, long frontier, Message<T> message, int count,
        long minTimestamp = long.MaxValue, long previousWatermark = Watermark.None)
    {
        var context = _query.SharedConsumers is { } shared && SharedContext(shared, route, minTimestamp, previousWatermark, watermark) is { } mostUrgent
            ? mostUrgent
            : ContextConverter.Build(_query.Id, _query.LatencyTargetTicks, _arrival, frontier, _costs, route.TargetNode,
                route.RecordsPerTick * _costs.RecordCostOf(route.TargetNode));
        message.Prepare(kind, _self, route.Channel, route.Port, watermark, context, count);
        if (route.LastContext.Length != 0) route.LastContext[t] = context;
        _transport!.Send(route.Targets[t], message);
    }
}

/// <summary>What a host does with any of its routers, whatever the record type: a side output's router is driven like the main one.</summary>
internal interface IRouter
{
    void Bind(ITransport transport);

    /// <summary>Physical arrival to stamp on the records emitted next.</summary>
    long Arrival { get; set; }

    void UseCosts(DownstreamCosts costs);

    /// <summary>Sends what is buffered, with the watermark.</summary>
    void Flush(long watermark);

    /// <summary>Ends the output.</summary>
    void End();
}
