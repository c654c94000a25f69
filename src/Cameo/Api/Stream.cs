using System.Numerics;
using System.Threading.Channels;
using Cameo.Dataflow;
using Cameo.Operators;
using Cameo.Time;

namespace Cameo;

/// <summary>
/// A typed stream in a query's dataflow. Each method adds an operator and returns its output, so a
/// query reads like a LINQ expression.
/// </summary>
public sealed class Stream<T>
{
    internal Stream(QueryBuilder query, LogicalNode node)
    {
        Query = query;
        Node = node;
    }

    internal QueryBuilder Query { get; }
    internal LogicalNode Node { get; }

    /// <summary>
    /// Gives records event times, and makes watermarks trail the largest event time seen by
    /// <paramref name="maxOutOfOrderness"/>. Directly after <see cref="QueryBuilder.From{T}(Source{T})"/> the source
    /// stamps them; after stateless operators (a parse, perhaps with <see cref="WithParallelism"/>)
    /// an assigner does, per instance, as a source would; before it records carry their ingestion
    /// time. Without it, records are stamped with their arrival (ingestion) time.
    /// </summary>
    /// <remarks>
    /// Lateness does not depend on batching: each source (or assigner) instance sends its watermark
    /// ahead of any record behind it, so a window fed through one instance finds a record late iff
    /// its window ended at or before the watermark of the records before it in that instance's order
    /// (largest earlier event time minus the bound). Through several parallel paths a window's
    /// watermark is the minimum of theirs, so it may still count a record another path is behind on.
    /// </remarks>
    /// <param name="timestamp">The record's event time in Unix milliseconds.</param>
    /// <param name="maxOutOfOrderness">How late, in event time, a record may be and still count.</param>
    public Stream<T> WithEventTime(Func<T, long> timestamp, TimeSpan maxOutOfOrderness)
    {
        if (maxOutOfOrderness < TimeSpan.Zero) throw Query.Invalid("the out-of-orderness bound must not be negative");
        long delay = (long)maxOutOfOrderness.TotalMilliseconds;
        if (Node is SourceNode<T> source && source.Source is not Execution.SharedSource<T>)
        {
            source.Timestamp = timestamp;
            source.WatermarkDelayMs = delay;
            return this;
        }
        var upstream = new List<LogicalNode>();
        CollectUpstream(Node, upstream);
        if (upstream.FirstOrDefault(n => n.Kind != NodeKind.Source && !n.IsStateless) is { } stateful)
            throw Query.Invalid($"WithEventTime must follow From(...) or stateless operators only, not {stateful.Name}");
        foreach (var s in upstream.OfType<SourceNode<T>>()) s.EventTimeAssignedBelow = true;
        foreach (var n in upstream) if (n.Kind == NodeKind.Source && n is not SourceNode<T>) MarkAssignedBelow(n);
        var node = Query.Graph.Add(new UnaryNode<T, T>("EventTime", () => new PassOperator<T>())
        {
            Parallelism = Node.Parallelism,
            AssignedTimestamp = timestamp,
            WatermarkDelayMs = delay,
        });
        Query.Graph.Connect(Node, node);
        return new Stream<T>(Query, node);
    }

    private static void CollectUpstream(LogicalNode node, List<LogicalNode> into)
    {
        if (into.Contains(node)) return;
        into.Add(node);
        foreach (var e in node.Inputs) CollectUpstream(e.From, into);
    }

    private static void MarkAssignedBelow(LogicalNode source) => source.Accept(new AssignedBelowMarker());

    /// <summary>Marks a source of any record type as having its event times assigned below.</summary>
    private sealed class AssignedBelowMarker : INodeVisitor<bool>
    {
        public bool VisitSource<TS>(SourceNode<TS> node) => node.EventTimeAssignedBelow = true;
        public bool VisitUnary<TIn, TOut>(UnaryNode<TIn, TOut> node) => false;
        public bool VisitBinary<TLeft, TRight, TOut>(BinaryNode<TLeft, TRight, TOut> node) => false;
        public bool VisitSink<TS>(SinkNode<TS> node) => false;
    }

    /// <inheritdoc cref="WithEventTime(Func{T, long}, TimeSpan)"/>
    public Stream<T> WithEventTime(Func<T, DateTimeOffset> timestamp, TimeSpan maxOutOfOrderness) =>
        WithEventTime(x => timestamp(x).ToUnixTimeMilliseconds(), maxOutOfOrderness);

    /// <summary>
    /// Drops the per-key state of the operator that produces this stream once it has gone
    /// <paramref name="expiry"/> of event time without an update, so that an ever-growing key space
    /// holds only the keys seen within that horizon. It applies to <see cref="JoinTable{TRow, TKey, TOut}(Stream{TRow}, Func{T, TKey}, Func{TRow, TKey}, Func{T, TRow, TOut})"/>,
    /// whose rows outlive any window: a record meets its key's row as of its event time only if that
    /// row is less than <paramref name="expiry"/> older than the record, else it yields nothing, as
    /// for a key without a row (see <see cref="TableJoinOperator{TLeft,TRow,TKey,TOut}"/>). Windows,
    /// sessions and window joins drop a key's state when its window fires (plus the allowed
    /// lateness) and take no expiry.
    /// </summary>
    public Stream<T> WithStateExpiry(TimeSpan expiry)
    {
        if (!Node.TakesStateExpiry)
            throw Query.Invalid($"WithStateExpiry applies to JoinTable(...), whose rows outlive any window; {Node.Name} keeps no per-key state beyond its windows");
        if (expiry < TimeSpan.FromMilliseconds(1)) throw Query.Invalid($"the state expiry of {Node.Name} must be at least 1 ms (was {expiry})");
        Node.StateExpiry = expiry;
        return this;
    }

    /// <summary>Runs the operator that produces this stream as <paramref name="instances"/> parallel instances.</summary>
    public Stream<T> WithParallelism(int instances)
    {
        if (instances < 1) throw Query.Invalid($"parallelism of {Node.Name} must be at least 1 (was {instances})");
        if (Node is SourceNode<T> s && instances > s.Source.MaxParallelism)
            throw Query.Invalid($"{s.Source.Description} can be read by at most {s.Source.MaxParallelism} instance(s)");
        Node.Parallelism = instances;
        return this;
    }

    /// <summary>Keeps the records that satisfy <paramref name="predicate"/>.</summary>
    public Stream<T> Where(Func<T, bool> predicate) => Then("Where", () => new WhereOperator<T>(predicate), stateless: true);

    /// <summary>Maps each record.</summary>
    public Stream<TOut> Select<TOut>(Func<T, TOut> selector) => Then("Select", () => new SelectOperator<T, TOut>(selector), stateless: true);

    /// <summary>Maps each record to any number of records.</summary>
    public Stream<TOut> SelectMany<TOut>(Func<T, IEnumerable<TOut>> selector) => Then("SelectMany", () => new SelectManyOperator<T, TOut>(selector), stateless: true);

    /// <summary>Applies a custom operator.</summary>
    public Stream<TOut> Apply<TOut>(string name, Func<Operator<T, TOut>> factory) => Then(name, factory);

    /// <summary>Groups records by key: what follows sees all records of a key in one instance.</summary>
    public KeyedStream<TKey, T> KeyBy<TKey>(Func<T, TKey> key) where TKey : notnull => new(this, key);

    /// <summary>The same as <see cref="KeyBy{TKey}"/>, in LINQ's words.</summary>
    public KeyedStream<TKey, T> GroupBy<TKey>(Func<T, TKey> key) where TKey : notnull => KeyBy(key);

    /// <summary>Keeps the records of type <typeparamref name="TOut"/> (e.g. one event type of a polymorphic stream).</summary>
    public Stream<TOut> OfType<TOut>() => Then("OfType", () => new OfTypeOperator<T, TOut>(), stateless: true);

    /// <summary>The records of this stream and of <paramref name="others"/>, as one stream (each keeps its event time; the watermark is the minimum of theirs).</summary>
    public Stream<T> Union(params Stream<T>[] others)
    {
        if (others.Length == 0) throw Query.Invalid("Union(...) needs at least one other stream");
        foreach (var o in others)
            if (o is null || !ReferenceEquals(o.Query, Query)) throw Query.Invalid("Union(...) reads from an unknown source: a stream belongs to another query");
        var node = Query.Graph.Add(new UnaryNode<T, T>("Union", () => new PassOperator<T>()) { Parallelism = Query.DefaultParallelism, IsStateless = true });
        Query.Graph.Connect(Node, node);
        foreach (var o in others) Query.Graph.Connect(o.Node, node);
        return new Stream<T>(Query, node);
    }

    /// <summary>Splits the stream in two: the records that satisfy <paramref name="predicate"/>, and the others.</summary>
    public (Stream<T> Matching, Stream<T> Others) Split(Func<T, bool> predicate) =>
        (Where(predicate), Where(x => !predicate(x)));

    /// <summary>
    /// Global windows: every record of the stream, whatever its key, in event-time windows, one
    /// result per window (keyed <see cref="All.Value"/>), computed by one instance.
    /// </summary>
    public WindowedStream<All, T> WindowAll(WindowSpec window) =>
        new(new KeyedStream<All, T>(this, static _ => default, global: true), window);

    /// <summary>Global tumbling windows of <paramref name="size"/> (see <see cref="WindowAll(WindowSpec)"/>).</summary>
    public WindowedStream<All, T> WindowAll(TimeSpan size) => WindowAll(WindowSpec.Tumbling(size));

    /// <summary>Global sliding windows (see <see cref="WindowAll(WindowSpec)"/>).</summary>
    public WindowedStream<All, T> WindowAll(TimeSpan size, TimeSpan slide) => WindowAll(WindowSpec.Sliding(size, slide));

    /// <summary>
    /// Windowed equi-join with <paramref name="right"/>: records of both streams with equal keys in
    /// the same event-time window are paired when the window closes.
    /// </summary>
    public Stream<TOut> Join<TRight, TKey, TOut>(
        Stream<TRight> right,
        Func<T, TKey> leftKey,
        Func<TRight, TKey> rightKey,
        WindowSpec window,
        Func<T, TRight, TOut> resultSelector) where TKey : notnull =>
        Join(right, leftKey, rightKey, window, (l, r, _) => resultSelector(l, r));

    /// <summary>
    /// Windowed equi-join whose result sees the window (start, end) and both records' event times.
    /// </summary>
    public Stream<TOut> Join<TRight, TKey, TOut>(
        Stream<TRight> right,
        Func<T, TKey> leftKey,
        Func<TRight, TKey> rightKey,
        WindowSpec window,
        Func<T, TRight, JoinWindow, TOut> resultSelector) where TKey : notnull =>
        AddJoin(right, leftKey, rightKey, window, resultSelector).Result;

    /// <summary>
    /// Windowed equi-join (see above) whose late records, on either side, come out as streams
    /// (<paramref name="lateLeft"/>, <paramref name="lateRight"/>) that must go to a sink.
    /// </summary>
    public Stream<TOut> Join<TRight, TKey, TOut>(
        Stream<TRight> right,
        Func<T, TKey> leftKey,
        Func<TRight, TKey> rightKey,
        WindowSpec window,
        Func<T, TRight, JoinWindow, TOut> resultSelector,
        out Stream<T> lateLeft,
        out Stream<TRight> lateRight) where TKey : notnull
    {
        var (result, node) = AddJoin(right, leftKey, rightKey, window, resultSelector);
        lateLeft = Query.SideOutput<T>(node, 1);
        lateRight = Query.SideOutput<TRight>(node, 2);
        return result;
    }

    private (Stream<TOut> Result, LogicalNode Node) AddJoin<TRight, TKey, TOut>(Stream<TRight> right, Func<T, TKey> leftKey, Func<TRight, TKey> rightKey,
        WindowSpec window, Func<T, TRight, JoinWindow, TOut> resultSelector) where TKey : notnull
    {
        if (right is null || !ReferenceEquals(right.Query, Query))
            throw Query.Invalid("Join(...) reads from an unknown source: the right stream belongs to another query");
        if (window.IsSession) throw Query.Invalid("Join(...) takes tumbling or sliding windows, not sessions");
        BinaryNode<T, TRight, TOut>? join = null;
        // Built at deployment, when the paths below the join are known: its pairs may go out as they
        // form when every path to a sink passes another window (see WindowJoinOperator's remarks).
        var node = join = Query.Graph.Add(new BinaryNode<T, TRight, TOut>("Join",
            () => new WindowJoinOperator<T, TRight, TKey, TOut>(window, leftKey, rightKey, resultSelector,
                emitPairsEarly: join!.ReleasePaths.All(p => !p.IsImmediate)))
        { Parallelism = Query.DefaultParallelism, Window = window, IsKeyed = true });
        Query.Graph.Connect(Node, node, 0, new HashPartitioner<T, TKey>(leftKey));
        Query.Graph.Connect(right.Node, node, 1, new HashPartitioner<TRight, TKey>(rightKey));
        return (new Stream<TOut>(Query, node), node);
    }

    /// <summary>
    /// Stream–table join: <paramref name="table"/> is a changelog (each row the new value of its key
    /// from its event time on); each record is paired with its key's row as of the record's event
    /// time, i.e. the row with the latest event time at or below it (records whose key has no row
    /// yet yield nothing). A record waits until the watermark reaches its event time, so every row
    /// up to it is known; results keep the record's event time. See <see cref="TableJoinOperator{TLeft,TRow,TKey,TOut}"/>.
    /// </summary>
    public Stream<TOut> JoinTable<TRow, TKey, TOut>(Stream<TRow> table, Func<T, TKey> key, Func<TRow, TKey> rowKey, Func<T, TRow, TOut> resultSelector)
        where TKey : notnull => AddTableJoin(table, key, rowKey, resultSelector).Result;

    /// <summary>Stream–table join (see above) whose late records (at or behind the watermark on arrival) come out as <paramref name="late"/>.</summary>
    public Stream<TOut> JoinTable<TRow, TKey, TOut>(Stream<TRow> table, Func<T, TKey> key, Func<TRow, TKey> rowKey, Func<T, TRow, TOut> resultSelector,
        out Stream<T> late) where TKey : notnull
    {
        var (result, node) = AddTableJoin(table, key, rowKey, resultSelector);
        late = Query.SideOutput<T>(node, 1);
        return result;
    }

    private (Stream<TOut> Result, LogicalNode Node) AddTableJoin<TRow, TKey, TOut>(Stream<TRow> table, Func<T, TKey> key, Func<TRow, TKey> rowKey,
        Func<T, TRow, TOut> resultSelector) where TKey : notnull
    {
        if (table is null || !ReferenceEquals(table.Query, Query))
            throw Query.Invalid("JoinTable(...) reads from an unknown source: the table belongs to another query");
        // A record is released once the watermark reaches its own event time: a window of one millisecond, for the release path.
        BinaryNode<T, TRow, TOut> node = null!;
        node = Query.Graph.Add(new BinaryNode<T, TRow, TOut>("JoinTable",
            () => new TableJoinOperator<T, TRow, TKey, TOut>(key, rowKey, resultSelector, (long)(node.StateExpiry?.TotalMilliseconds ?? 0)))
        { Parallelism = Query.DefaultParallelism, Window = new WindowSpec(1, 1), IsKeyed = true, TakesStateExpiry = true });
        Query.Graph.Connect(Node, node, 0, new HashPartitioner<T, TKey>(key));
        Query.Graph.Connect(table.Node, node, 1, new HashPartitioner<TRow, TKey>(rowKey));
        return (new Stream<TOut>(Query, node), node);
    }

    /// <summary>Sends the stream to <paramref name="sink"/>.</summary>
    public void To(Sink<T> sink, int parallelism = 1)
    {
        if (sink is null) throw Query.Invalid($"To(...) after {Node.Name} was given no sink (null)");
        var node = Query.Graph.Add(new SinkNode<T>("Sink", sink) { Parallelism = parallelism });
        Query.Graph.Connect(Node, node);
    }

    /// <summary>Calls <paramref name="action"/> with each result.</summary>
    public void To(Action<T> action) => To(Sink.Call(action));

    /// <summary>The results as a channel reader that completes when the query does.</summary>
    public ChannelReader<T> ToChannel()
    {
        var channel = Channel.CreateUnbounded<T>(new UnboundedChannelOptions { SingleReader = false, SingleWriter = true });
        To(Sink.Channel(channel.Writer));
        return channel.Reader;
    }

    /// <summary>The results as an async sequence that ends when the query does.</summary>
    public IAsyncEnumerable<T> ToAsyncEnumerable() => ToChannel().ReadAllAsync();

    internal Stream<TOut> Then<TOut>(string name, Func<Operator<T, TOut>> factory, WindowSpec? window = null, object? partitioner = null, bool stateless = false)
    {
        var node = Query.Graph.Add(new UnaryNode<T, TOut>(name, factory)
        {
            Parallelism = Query.DefaultParallelism,
            Window = window,
            IsKeyed = partitioner is not null,
            IsStateless = stateless,
        });
        Query.Graph.Connect(Node, node, 0, partitioner);
        return new Stream<TOut>(Query, node);
    }
}

/// <summary>The key of a global window's results (<see cref="Stream{T}.WindowAll(WindowSpec)"/>): there is one.</summary>
public readonly record struct All
{
    /// <summary>The one key.</summary>
    public static All Value => default;

    public override string ToString() => "all";
}

/// <summary>A stream grouped by key.</summary>
public sealed class KeyedStream<TKey, T> where TKey : notnull
{
    internal KeyedStream(Stream<T> stream, Func<T, TKey> key, bool global = false)
    {
        Stream = stream;
        Key = key;
        Global = global;
    }

    internal Stream<T> Stream { get; }
    internal Func<T, TKey> Key { get; }

    /// <summary>True for a global window's grouping: one instance computes it.</summary>
    internal bool Global { get; }

    /// <summary>Cuts each key's records into event-time windows.</summary>
    public WindowedStream<TKey, T> Window(WindowSpec window) => new(this, window);

    /// <summary>A custom operator that sees every record of a key in one instance (records partitioned by the key).</summary>
    public Stream<TOut> Apply<TOut>(string name, Func<Operator<T, TOut>> factory) => Stream.Then(name, factory, partitioner: new HashPartitioner<T, TKey>(Key));

    /// <summary>Tumbling windows of <paramref name="size"/>.</summary>
    public WindowedStream<TKey, T> Window(TimeSpan size) => Window(WindowSpec.Tumbling(size));

    /// <summary>Sliding windows of <paramref name="size"/> starting every <paramref name="slide"/>.</summary>
    public WindowedStream<TKey, T> Window(TimeSpan size, TimeSpan slide) => Window(WindowSpec.Sliding(size, slide));

    /// <summary>
    /// Session windows: a key's records until a gap of <paramref name="gap"/> in event time without
    /// one; sessions merge when a record bridges them (see <see cref="SessionWindowOperator{TIn,TKey,TAcc,TOut}"/>).
    /// </summary>
    public WindowedStream<TKey, T> SessionWindow(TimeSpan gap) => Window(WindowSpec.Session(gap));
}

/// <summary>A keyed stream cut into windows, waiting for an aggregate.</summary>
public sealed class WindowedStream<TKey, T> where TKey : notnull
{
    private readonly KeyedStream<TKey, T> _keyed;
    private readonly WindowSpec _window;
    private readonly Action<T>? _onLate;
    private readonly LogicalNode? _late;
    private readonly long _allowedLatenessMs;

    internal WindowedStream(KeyedStream<TKey, T> keyed, WindowSpec window, Action<T>? onLate = null, LogicalNode? late = null, long allowedLatenessMs = 0)
    {
        _keyed = keyed;
        _window = window;
        _onLate = onLate;
        _late = late;
        _allowedLatenessMs = allowedLatenessMs;
    }

    private QueryBuilder Query => _keyed.Stream.Query;

    /// <summary>
    /// Calls <paramref name="lateRecords"/> with each record that arrives after its windows closed
    /// (they are always counted in <see cref="Metrics.QueryStats.LateEvents"/>).
    /// </summary>
    public WindowedStream<TKey, T> OnLate(Action<T> lateRecords) => new(_keyed, _window, lateRecords, _late, _allowedLatenessMs);

    /// <summary>
    /// The records that arrive after their windows closed, as a stream that must go to a sink, like
    /// any other: every record is counted in a window result or comes out here.
    /// </summary>
    public WindowedStream<TKey, T> OnLate(out Stream<T> lateRecords)
    {
        var node = Query.PendingSideOutput<T>();
        lateRecords = new Stream<T>(Query, node);
        return new(_keyed, _window, _onLate, node, _allowedLatenessMs);
    }

    /// <summary>
    /// Keeps each window for <paramref name="lateness"/> after it fired: a record for it within that
    /// time updates it and emits its updated result at once (the same key, start and end, superseding
    /// the earlier result); only a record later than that is late.
    /// </summary>
    public WindowedStream<TKey, T> AllowedLateness(TimeSpan lateness)
    {
        if (lateness < TimeSpan.Zero) throw Query.Invalid("the allowed lateness must not be negative");
        return new(_keyed, _window, _onLate, _late, (long)lateness.TotalMilliseconds);
    }

    public Stream<WindowResult<TKey, long>> Count() => Aggregate("Count", new CountAggregate<T>());

    /// <summary>The sum of the selected values, in their own type (a <c>long</c> stays exact).</summary>
    public Stream<WindowResult<TKey, TNum>> Sum<TNum>(Func<T, TNum> selector) where TNum : INumber<TNum> => Aggregate("Sum", new SumAggregate<T, TNum>(selector));

    /// <summary>The smallest selected value, in its own type.</summary>
    public Stream<WindowResult<TKey, TNum>> Min<TNum>(Func<T, TNum> selector) where TNum : INumber<TNum> => Aggregate("Min", new MinAggregate<T, TNum>(selector));

    /// <summary>The largest selected value, in its own type.</summary>
    public Stream<WindowResult<TKey, TNum>> Max<TNum>(Func<T, TNum> selector) where TNum : INumber<TNum> => Aggregate("Max", new MaxAggregate<T, TNum>(selector));

    public Stream<WindowResult<TKey, double>> Average(Func<T, double> selector) => Aggregate("Average", new AverageAggregate<T>(selector));

    /// <summary>The distinct selected values of each key's window.</summary>
    public Stream<WindowResult<TKey, TValue[]>> Distinct<TValue>(Func<T, TValue> selector) => Aggregate("Distinct", new DistinctAggregate<T, TValue>(selector));

    /// <summary>The <paramref name="n"/> records of each key's window with the largest <paramref name="by"/> (smallest if not <paramref name="descending"/>), best first.</summary>
    public Stream<WindowResult<TKey, T[]>> TopN<TBy>(int n, Func<T, TBy> by, bool descending = true)
    {
        if (n < 1) throw Query.Invalid($"TopN needs n of at least 1 (was {n})");
        return Aggregate("TopN", new TopNAggregate<T, TBy>(n, by, descending));
    }

    /// <summary>A user-defined aggregate, like LINQ's <c>Aggregate(seed, func, resultSelector)</c>.</summary>
    public Stream<WindowResult<TKey, TOut>> Aggregate<TAcc, TOut>(Func<TAcc> seed, Func<TAcc, T, TAcc> add, Func<TAcc, TOut> result) =>
        Aggregate("Aggregate", new DelegateAggregate<T, TAcc, TOut>(seed, add, result));

    /// <summary>A user-defined aggregate.</summary>
    public Stream<WindowResult<TKey, TOut>> Aggregate<TAcc, TOut>(string name, IAggregate<T, TAcc, TOut> aggregate)
    {
        var key = _keyed.Key;
        var window = _window;
        var onLate = _onLate;
        long lateness = _allowedLatenessMs;
        Func<Operator<T, WindowResult<TKey, TOut>>> factory = window.IsSession
            ? () => new SessionWindowOperator<T, TKey, TAcc, TOut>(window.Size, key, aggregate, lateness) { LateCallback = onLate }
            : () => new WindowAggregateOperator<T, TKey, TAcc, TOut>(window, key, aggregate, onLate, lateness);
        var result = _keyed.Stream.Then(window.IsSession ? $"Session{name}" : name, factory, window, new HashPartitioner<T, TKey>(key));
        if (_keyed.Global) result.Node.Parallelism = 1;
        if (_late is { } late) Query.Graph.Connect(result.Node, late, 0, null, fromPort: 1);
        return result;
    }
}
