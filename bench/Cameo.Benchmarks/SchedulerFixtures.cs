using Cameo.Dataflow;
using Cameo.Execution;
using Cameo.Messages;
using Cameo.Metrics;
using Cameo.Runtime;
using Cameo.Scheduling;

namespace Cameo.Benchmarks;

/// <summary>Inputs shared by the scheduler micro-benchmarks: varied priority contexts, and real actors.</summary>
internal static class SchedulerFixtures
{
    /// <summary>Physical "now" the contexts are built around (ticks).</summary>
    public const long Now = 10_000_000_000;

    /// <summary>
    /// <paramref name="count"/> contexts spread like a mixed workload's: arrivals in the last
    /// millisecond, frontiers up to 10 ms ahead (windows), targets of 10 ms to 1 s, profiled costs.
    /// </summary>
    public static PriorityContext[] Contexts(int count, int seed = 1)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, count).Select(_ =>
        {
            long arrival = Now - random.Next(0, 10_000);
            return new PriorityContext(
                QueryId: random.Next(0, 8),
                ArrivalTime: arrival,
                FrontierTime: arrival + random.Next(0, 100_000),
                LatencyTarget: random.Next(100_000, 10_000_000),
                OperatorCost: random.Next(100, 5_000),
                CriticalPathCost: random.Next(0, 20_000));
        })];
    }

    /// <summary>Messages with <paramref name="contexts"/>, spread round-robin over <paramref name="channels"/> channels.</summary>
    public static Message[] Messages(PriorityContext[] contexts, int channels) =>
        [.. contexts.Select((c, i) => new Message { Channel = i % channels, Context = c })];

    /// <summary>
    /// Real actors of a deployed (never started) query whose middle operator has
    /// <paramref name="parallelism"/> instances: <paramref name="parallelism"/> + 1 actors with the sink.
    /// </summary>
    public static Actor[] Actors(int parallelism)
    {
        var runtime = new EmbeddedRuntime(SchedulingPolicies.Fifo, 1, TimeSpan.FromMilliseconds(2));
        var builder = new QueryBuilder("bench") { DefaultParallelism = parallelism };
        builder.From(Source.From(Array.Empty<int>())).Where(_ => true).To(_ => { });
        var plan = new PhysicalPlan(builder.Graph);
        var context = new QueryContext(0, "bench", TimeSpan.FromSeconds(1), 0, TimeProvider.System,
            new QueryMetrics("bench", TimeSpan.FromSeconds(1), TimeProvider.System));
        var run = (QueryRun)runtime.Deploy(context, plan, new DeployOptions(HostFactory.DefaultBatchSize, 256));
        return [.. run.Actors.OfType<Actor>()];
    }
}
