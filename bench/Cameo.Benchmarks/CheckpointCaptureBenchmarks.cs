using BenchmarkDotNet.Attributes;
using Cameo.Checkpoints;
using Cameo.Operators;
using Cameo.Time;

namespace Cameo.Benchmarks;

/// <summary>
/// What a checkpoint costs the worker that runs a large stateful instance: serializing its whole
/// state in its turn (<see cref="ICheckpointedOperator.Snapshot"/>) against capturing it for
/// serialization off the workers (<see cref="ICheckpointedOperator.Capture"/>, not invoked), for a
/// window join buffering <see cref="Records"/> records per side and a count over as many keys.
/// </summary>
[MemoryDiagnoser]
public class CheckpointCaptureBenchmarks
{
    /// <summary>Records buffered per join side; keys of the count.</summary>
    [Params(10_000, 100_000)]
    public int Records { get; set; }

    private WindowJoinOperator<long, long, long, long> _join = null!;
    private WindowAggregateOperator<long, long, long, long> _count = null!;

    [GlobalSetup]
    public void Setup()
    {
        var items = Enumerable.Range(0, Records).Select(i => (long)i).ToArray();
        var times = items.Select(i => i % 1000).ToArray();
        var discard = new Discard<long>();
        _join = new WindowJoinOperator<long, long, long, long>(WindowSpec.Tumbling(TimeSpan.FromSeconds(10)), l => l % 1000, r => r % 1000, (l, r, _) => l + r);
        _join.OnLeft(items, times, discard);
        _join.OnRight(items, times, discard);
        _count = new WindowAggregateOperator<long, long, long, long>(WindowSpec.Tumbling(TimeSpan.FromSeconds(10)), k => k, new CountAggregate<long>());
        _count.OnRecords(items, times, new Discard<WindowResult<long, long>>());
    }

    [Benchmark(Baseline = true)]
    public byte[] JoinSnapshotInTurn() => _join.Snapshot(CheckpointOptions.DefaultSerializer);

    [Benchmark]
    public Func<byte[]> JoinCaptureInTurn() => _join.Capture(CheckpointOptions.DefaultSerializer);

    [Benchmark]
    public byte[] CountSnapshotInTurn() => _count.Snapshot(CheckpointOptions.DefaultSerializer);

    [Benchmark]
    public Func<byte[]> CountCaptureInTurn() => _count.Capture(CheckpointOptions.DefaultSerializer);

    private sealed class Discard<T> : IOutput<T>
    {
        public void Emit(T item, long timestamp) { }
    }
}
