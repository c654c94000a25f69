using Cameo.Dataflow;
using Cameo.Operators;

namespace Cameo.Execution;

/// <summary>Creates the typed instance hosts of a physical plan. Every runtime uses it, so no runtime has its own copy of any operator.</summary>
public static class HostFactory
{
    /// <summary>Default number of records per message.</summary>
    public const int DefaultBatchSize = 512;

    /// <summary>Default bound on the cost of one message: short enough for a 10 ms latency target.</summary>
    public static readonly TimeSpan DefaultMaxMessageCost = TimeSpan.FromMilliseconds(0.5);

    /// <summary>Creates host <paramref name="index"/> of <paramref name="plan"/>.</summary>
    /// <param name="query">The query's shared context.</param>
    /// <param name="plan">The query's physical plan.</param>
    /// <param name="index">Which instance to create.</param>
    /// <param name="batchSize">Records per message.</param>
    /// <param name="onSinkEnded">Called when a sink instance has seen the end of all its inputs.</param>
    public static InstanceHost Create(QueryContext query, PhysicalPlan plan, int index, int batchSize, Action onSinkEnded)
    {
        var (node, partition) = plan.Instances[index];
        return node.Accept(new Visitor(query, plan, partition, index, batchSize, onSinkEnded));
    }

    /// <summary>Creates every host of <paramref name="plan"/>, indexed as in the plan.</summary>
    public static InstanceHost[] CreateAll(QueryContext query, PhysicalPlan plan, int batchSize, Action onSinkEnded) =>
        [.. Enumerable.Range(0, plan.Instances.Count).Select(i => Create(query, plan, i, batchSize, onSinkEnded))];

    private sealed class Visitor(QueryContext query, PhysicalPlan plan, int partition, int index, int batchSize, Action onSinkEnded) : INodeVisitor<InstanceHost>
    {
        private int NodeCount => plan.Graph.Nodes.Count;

        public InstanceHost VisitSource<T>(SourceNode<T> node)
        {
            var host = (SourceHost<T>)Wire<T>(node, r => new SourceHost<T>(query, node, partition, index, NodeCount, r));
            if (node.Source is SharedSource<T> shared) shared.Feed.Attach(host);
            return host;
        }

        public InstanceHost VisitUnary<TIn, TOut>(UnaryNode<TIn, TOut> node)
        {
            var chain = plan.ChainOf(node);
            if (node.AssignedTimestamp is not null)
                return Wire<TIn>(node, r => new EventTimeHost<TIn>(query, (UnaryNode<TIn, TIn>)(object)node, partition, index, NodeCount, r));
            if (chain.Count == 1)
            {
                var single = node.Factory();
                var host = Unary(node, node, single);
                single.LateOutput = Side<TIn>(host, node, 1);
                return host;
            }
            // Fold the chain into one operator from the front; the last link builds the host, which knows the chain's output type.
            object op = node.Factory();
            for (int i = 1; i < chain.Count - 1; i++) op = chain[i].Accept(new Link<TIn>(op));
            return chain[^1].Accept(new Last<TIn>(this, node, op));
        }

        public InstanceHost VisitBinary<TLeft, TRight, TOut>(BinaryNode<TLeft, TRight, TOut> node)
        {
            var op = node.Factory();
            var host = Wire<TOut>(node, r => new BinaryHost<TLeft, TRight, TOut>(query, node, partition, index, NodeCount, r, op));
            op.LateLeftOutput = Side<TLeft>(host, node, 1);
            op.LateRightOutput = Side<TRight>(host, node, 2);
            return host;
        }

        /// <summary>The router of <paramref name="node"/>'s side output <paramref name="port"/> (late records), added to <paramref name="host"/>; null if nothing reads it.</summary>
        private Router<T>? Side<T>(InstanceHost host, LogicalNode node, int port)
        {
            if (!node.Outputs.Any(e => e.FromPort == port)) return null;
            var router = new Router<T>(query, node, partition, index, plan.InstancesOf, batchSize, port);
            router.UseCosts(host.Downstream);
            ((IRoutingHost)host).AddSideOutput(router);
            return router;
        }

        public InstanceHost VisitSink<T>(SinkNode<T> node) => new SinkHost<T>(query, node, partition, index, NodeCount, onSinkEnded);

        /// <summary>The host of <paramref name="op"/>, which runs the operators from <paramref name="head"/> to <paramref name="last"/>.</summary>
        private InstanceHost Unary<TIn, TOut>(LogicalNode head, LogicalNode last, Operator<TIn, TOut> op) =>
            Wire<TOut>(last, r => new UnaryHost<TIn, TOut>(query, head, partition, index, NodeCount, r, op, last));

        private InstanceHost Wire<T>(LogicalNode last, Func<Router<T>, RoutingHost<T>> create)
        {
            // The router prices messages with what the host learns from replies, so it is wired after the host exists.
            var router = new Router<T>(query, last, partition, index, plan.InstancesOf, batchSize);
            var host = create(router);
            router.UseCosts(host.Downstream);
            return host;
        }

        /// <summary>Appends a chained operator to <paramref name="chain"/>, an <c>Operator&lt;TIn, TMid&gt;</c>.</summary>
        private sealed class Link<TIn>(object chain) : INodeVisitor<object>
        {
            public object VisitUnary<TMid, TOut>(UnaryNode<TMid, TOut> node) =>
                new ChainedOperator<TIn, TMid, TOut>((Operator<TIn, TMid>)chain, node.Factory(), node.Name);

            public object VisitSource<T>(SourceNode<T> node) => throw NotChainable(node);
            public object VisitBinary<TLeft, TRight, TOut>(BinaryNode<TLeft, TRight, TOut> node) => throw NotChainable(node);
            public object VisitSink<T>(SinkNode<T> node) => throw NotChainable(node);
        }

        /// <summary>Appends the chain's last operator and builds the host of the whole chain, headed by <paramref name="head"/>.</summary>
        private sealed class Last<TIn>(Visitor outer, LogicalNode head, object chain) : INodeVisitor<InstanceHost>
        {
            public InstanceHost VisitUnary<TMid, TOut>(UnaryNode<TMid, TOut> node)
            {
                var op = new ChainedOperator<TIn, TMid, TOut>((Operator<TIn, TMid>)chain, node.Factory(), node.Name);
                return outer.Unary(head, node, op);
            }

            public InstanceHost VisitSource<T>(SourceNode<T> node) => throw NotChainable(node);
            public InstanceHost VisitBinary<TLeft, TRight, TOut>(BinaryNode<TLeft, TRight, TOut> node) => throw NotChainable(node);
            public InstanceHost VisitSink<T>(SinkNode<T> node) => throw NotChainable(node);
        }

        private static InvalidOperationException NotChainable(LogicalNode node) => new($"{node.Name} cannot run chained behind another operator.");
    }
}
