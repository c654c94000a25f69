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
    /// <paramref name="maxOutOfOrderness"/>. Must directly follow <see cref="QueryBuilder.From{T}"/>;
    /// without it, records are stamped with their arrival (ingestion) time.
    /// </summary>
    /// <param name="timestamp">The record's event time in Unix milliseconds.</param>
    /// <param name="maxOutOfOrderness">How late, in event time, a record may be and still count.</param>
    public Stream<T> WithEventTime(Func<T, long> timestamp, TimeSpan maxOutOfOrderness)
    {
        if (Node is not SourceNode<T> source) throw Query.Invalid($"WithEventTime must directly follow From(...), not {Node.Name}");
        if (maxOutOfOrderness < TimeSpan.Zero) throw Query.Invalid("the out-of-orderness bound must not be negative");
        source.Timestamp = timestamp;
        source.WatermarkDelayMs = (long)maxOutOfOrderness.TotalMilliseconds;
        return this;
    }

    /// <inheritdoc cref="WithEventTime(Func{T, long}, TimeSpan)"/>
    public Stream<T> WithEventTime(Func<T, DateTimeOffset> timestamp, TimeSpan maxOutOfOrderness) =>
        WithEventTime(x => timestamp(x).ToUnixTimeMilliseconds(), maxOutOfOrderness);

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

    /// <summary>
    /// Windowed equi-join with <paramref name="right"/>: records of both streams with equal keys in
    /// the same event-time window are paired when the window closes.
    /// </summary>
    public Stream<TOut> Join<TRight, TKey, TOut>(
        Stream<TRight> right,
        Func<T, TKey> leftKey,
        Func<TRight, TKey> rightKey,
        WindowSpec window,
        Func<T, TRight, TOut> resultSelector) where TKey : notnull
    {
        if (right is null || !ReferenceEquals(right.Query, Query))
            throw Query.Invalid("Join(...) reads from an unknown source: the right stream belongs to another query");
        var node = Query.Graph.Add(new BinaryNode<T, TRight, TOut>("Join",
            () => new WindowJoinOperator<T, TRight, TKey, TOut>(window, leftKey, rightKey, resultSelector))
        { Parallelism = Query.DefaultParallelism, Window = window, IsKeyed = true });
        Query.Graph.Connect(Node, node, 0, new HashPartitioner<T, TKey>(leftKey));
        Query.Graph.Connect(right.Node, node, 1, new HashPartitioner<TRight, TKey>(rightKey));
        return new Stream<TOut>(Query, node);
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

/// <summary>A stream grouped by key.</summary>
public sealed class KeyedStream<TKey, T> where TKey : notnull
{
    internal KeyedStream(Stream<T> stream, Func<T, TKey> key)
    {
        Stream = stream;
        Key = key;
    }

    internal Stream<T> Stream { get; }
    internal Func<T, TKey> Key { get; }

    /// <summary>Cuts each key's records into event-time windows.</summary>
    public WindowedStream<TKey, T> Window(WindowSpec window) => new(this, window, null);

    /// <summary>Tumbling windows of <paramref name="size"/>.</summary>
    public WindowedStream<TKey, T> Window(TimeSpan size) => Window(WindowSpec.Tumbling(size));

    /// <summary>Sliding windows of <paramref name="size"/> starting every <paramref name="slide"/>.</summary>
    public WindowedStream<TKey, T> Window(TimeSpan size, TimeSpan slide) => Window(WindowSpec.Sliding(size, slide));
}

/// <summary>A keyed stream cut into windows, waiting for an aggregate.</summary>
public sealed class WindowedStream<TKey, T> where TKey : notnull
{
    private readonly KeyedStream<TKey, T> _keyed;
    private readonly WindowSpec _window;
    private readonly Action<T>? _onLate;

    internal WindowedStream(KeyedStream<TKey, T> keyed, WindowSpec window, Action<T>? onLate)
    {
        _keyed = keyed;
        _window = window;
        _onLate = onLate;
    }

    /// <summary>
    /// Side output for records that arrive after their windows closed (they are always counted in
    /// <see cref="Metrics.QueryStats.LateEvents"/>; this also hands each one over).
    /// </summary>
    public WindowedStream<TKey, T> OnLate(Action<T> lateRecords) => new(_keyed, _window, lateRecords);

    public Stream<WindowResult<TKey, long>> Count() => Aggregate("Count", new CountAggregate<T>());
    public Stream<WindowResult<TKey, double>> Sum(Func<T, double> selector) => Aggregate("Sum", new SumAggregate<T>(selector));
    public Stream<WindowResult<TKey, double>> Min(Func<T, double> selector) => Aggregate("Min", new MinAggregate<T>(selector));
    public Stream<WindowResult<TKey, double>> Max(Func<T, double> selector) => Aggregate("Max", new MaxAggregate<T>(selector));
    public Stream<WindowResult<TKey, double>> Average(Func<T, double> selector) => Aggregate("Average", new AverageAggregate<T>(selector));

    /// <summary>A user-defined aggregate, like LINQ's <c>Aggregate(seed, func, resultSelector)</c>.</summary>
    public Stream<WindowResult<TKey, TOut>> Aggregate<TAcc, TOut>(Func<TAcc> seed, Func<TAcc, T, TAcc> add, Func<TAcc, TOut> result) =>
        Aggregate("Aggregate", new DelegateAggregate<T, TAcc, TOut>(seed, add, result));

    /// <summary>A user-defined aggregate.</summary>
    public Stream<WindowResult<TKey, TOut>> Aggregate<TAcc, TOut>(string name, IAggregate<T, TAcc, TOut> aggregate)
    {
        var key = _keyed.Key;
        var window = _window;
        var onLate = _onLate;
        return _keyed.Stream.Then(name,
            () => new WindowAggregateOperator<T, TKey, TAcc, TOut>(window, key, aggregate, onLate),
            window,
            new HashPartitioner<T, TKey>(key));
    }
}
