using BenchmarkDotNet.Attributes;
using Cameo.Runtime;
using Cameo.Scheduling;
using Cameo.Scheduling.Core;

namespace Cameo.Benchmarks;

/// <summary>
/// Cost of the ready queue (the first scheduling level) at a steady depth: pop the most urgent actor
/// and push it back with a new rank under the policy, as a worker does when it yields an actor that
/// still has messages. The queue holds <see cref="Parallelism"/> + 1 runnable actors throughout.
/// Uncontended (one thread): it measures the heap and its lock, not waiting.
/// </summary>
[MemoryDiagnoser]
public class RunQueueBenchmarks
{
    /// <summary>Pop-and-push pairs per invocation.</summary>
    public const int Operations = 1024;

    [Params("fifo", "edf", "llf", "sjf", "cameo")]
    public string Policy { get; set; } = "cameo";

    /// <summary>Parallelism of the query's operator; with the sink, the number of runnable actors.</summary>
    [Params(1, 16, 256)]
    public int Parallelism { get; set; }

    private readonly ReadyQueue<Actor> _queue = new();
    private long[] _ranks = null!;

    [GlobalSetup]
    public void Setup()
    {
        var policy = SchedulingPolicies.Parse(Policy);
        _ranks = [.. SchedulerFixtures.Contexts(Operations).Select((c, i) => policy.Rank(c, SchedulerFixtures.Now + i))];
        var actors = SchedulerFixtures.Actors(Parallelism);
        for (int i = 0; i < actors.Length; i++) _queue.Push(actors[i], actors[i].Version, _ranks[i % Operations]);
    }

    [Benchmark(OperationsPerInvoke = Operations)]
    public long PopPush()
    {
        long versions = 0;
        for (int i = 0; i < Operations; i++)
        {
            _queue.TryPop(out var actor, out long version);
            _queue.Push(actor, version, _ranks[i]);
            versions += version;
        }
        return versions;
    }
}
