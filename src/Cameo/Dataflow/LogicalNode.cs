using Cameo.Operators;
using Cameo.Progress;
using Cameo.Time;

namespace Cameo.Dataflow;

/// <summary>What part a node plays in the dataflow.</summary>
public enum NodeKind { Source, Operator, Sink }

/// <summary>
/// One operator of a query's logical dataflow, before it is expanded into parallel instances.
/// Typed subclasses hold the operator logic; runtimes reach them through <see cref="INodeVisitor{TResult}"/>.
/// </summary>
public abstract class LogicalNode
{
    private readonly List<LogicalEdge> _inputs = [];
    private readonly List<LogicalEdge> _outputs = [];

    protected LogicalNode(string name, NodeKind kind)
    {
        Name = name;
        Kind = kind;
    }

    /// <summary>Index of the node within its query; set when the node joins a graph.</summary>
    public int Id { get; internal set; } = -1;

    /// <summary>Human-readable name, e.g. <c>Where#2</c>.</summary>
    public string Name { get; internal set; }

    public NodeKind Kind { get; }

    /// <summary>How many single-threaded instances run this operator.</summary>
    public int Parallelism { get; set; } = 1;

    /// <summary>The event-time window this operator closes, if it is windowed.</summary>
    public WindowSpec? Window { get; init; }

    /// <summary>For a source: the bounded out-of-orderness, i.e. how far its watermark trails the largest event time seen (ms).</summary>
    public long WatermarkDelayMs { get; set; }

    /// <summary>True if records must reach instances by key (so <see cref="LogicalEdge.Partitioner"/> is required on inputs).</summary>
    public bool IsKeyed { get; init; }

    /// <summary>
    /// How long, in event time, the operator keeps a key's state that no row has updated (set by
    /// <see cref="Stream{T}.WithStateExpiry"/>); null keeps it for ever.
    /// </summary>
    public TimeSpan? StateExpiry { get; internal set; }

    /// <summary>True if the operator keeps per-key state beyond any window, so that it takes a <see cref="StateExpiry"/>.</summary>
    internal bool TakesStateExpiry { get; init; }

    /// <summary>
    /// True for record-at-a-time operators without state or event-time behaviour (Where, Select,
    /// SelectMany): consecutive ones may run chained in one instance (see <see cref="PhysicalPlan"/>).
    /// </summary>
    public bool IsStateless { get; init; }

    /// <summary>Number of input ports (2 for a join).</summary>
    public virtual int InputPorts => Kind == NodeKind.Source ? 0 : 1;

    public IReadOnlyList<LogicalEdge> Inputs => _inputs;
    public IReadOnlyList<LogicalEdge> Outputs => _outputs;

    /// <summary>The window paths from this node to the sinks; set by <see cref="LogicalGraph.Validate"/>.</summary>
    public ReleasePath[] ReleasePaths { get; internal set; } = [ReleasePath.Immediate];

    /// <summary>
    /// The window paths of the records sent to this node: its own window, then <see cref="ReleasePaths"/>;
    /// <see cref="ReleasePath.Immediate"/> into a node that assigns event times (what the records'
    /// event times will be is unknown before it, so they are as urgent as the query's first output).
    /// </summary>
    public ReleasePath[] InputReleasePaths =>
        AssignsEventTime ? [ReleasePath.Immediate]
        : Window is { } w ? [.. ReleasePaths.Select(p => p.After(w))]
        : ReleasePaths;

    /// <summary>True for an operator that stamps records with event times and generates watermarks (<c>WithEventTime</c> after an operator).</summary>
    public virtual bool AssignsEventTime => false;

    internal void AddInput(LogicalEdge edge) => _inputs.Add(edge);
    internal void AddOutput(LogicalEdge edge) => _outputs.Add(edge);

    public abstract TResult Accept<TResult>(INodeVisitor<TResult> visitor);

    public override string ToString() => Name;
}

/// <summary>Lets a runtime build typed instances of nodes without the dataflow layer knowing runtimes.</summary>
public interface INodeVisitor<out TResult>
{
    TResult VisitSource<T>(SourceNode<T> node);
    TResult VisitUnary<TIn, TOut>(UnaryNode<TIn, TOut> node);
    TResult VisitBinary<TLeft, TRight, TOut>(BinaryNode<TLeft, TRight, TOut> node);
    TResult VisitSink<T>(SinkNode<T> node);
}

/// <summary>A source, with how its records get event times.</summary>
public sealed class SourceNode<T>(string name, Source<T> source) : LogicalNode(name, NodeKind.Source)
{
    public Source<T> Source { get; } = source;

    /// <summary>Extracts a record's event time (Unix ms); null means ingestion time.</summary>
    public Func<T, long>? Timestamp { get; set; }

    /// <summary>
    /// True if an operator below assigns the event times (<c>WithEventTime</c> after a parse): the
    /// source's ingestion times then teach no arrival forecast.
    /// </summary>
    public bool EventTimeAssignedBelow { get; set; }

    public override TResult Accept<TResult>(INodeVisitor<TResult> visitor) => visitor.VisitSource(this);
}

/// <summary>An operator with one input.</summary>
public sealed class UnaryNode<TIn, TOut>(string name, Func<Operator<TIn, TOut>> factory) : LogicalNode(name, NodeKind.Operator)
{
    /// <summary>Creates the operator logic for one instance.</summary>
    public Func<Operator<TIn, TOut>> Factory { get; } = factory;

    /// <summary>
    /// For an event-time assigner (a pass-through whose records get these event times, and whose
    /// watermark trails the largest one seen by <see cref="LogicalNode.WatermarkDelayMs"/>): the timestamp function; otherwise null.
    /// </summary>
    public Func<TIn, long>? AssignedTimestamp { get; init; }

    public override bool AssignsEventTime => AssignedTimestamp is not null;

    public override TResult Accept<TResult>(INodeVisitor<TResult> visitor) => visitor.VisitUnary(this);
}

/// <summary>An operator with two inputs (a join).</summary>
public sealed class BinaryNode<TLeft, TRight, TOut>(string name, Func<BinaryOperator<TLeft, TRight, TOut>> factory) : LogicalNode(name, NodeKind.Operator)
{
    public Func<BinaryOperator<TLeft, TRight, TOut>> Factory { get; } = factory;

    public override int InputPorts => 2;

    public override TResult Accept<TResult>(INodeVisitor<TResult> visitor) => visitor.VisitBinary(this);
}

/// <summary>A sink.</summary>
public sealed class SinkNode<T>(string name, Sink<T> sink) : LogicalNode(name, NodeKind.Sink)
{
    public Sink<T> Sink { get; } = sink;

    public override TResult Accept<TResult>(INodeVisitor<TResult> visitor) => visitor.VisitSink(this);
}
