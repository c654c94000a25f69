using BenchmarkDotNet.Attributes;
using Cameo.Scheduling;

namespace Cameo.Benchmarks;

/// <summary>
/// End-to-end scheduling overhead: a stateless pipeline (source → Where → Select → sink) over a
/// finite input, run as fast as it goes on the embedded runtime's two workers, under <c>fifo</c>
/// (the baseline) and <c>cameo</c>. Time is per input record; the Ratio column is cameo over fifo,
/// so cameo's throughput relative to fifo's is its inverse.
/// </summary>
[MemoryDiagnoser]
public class PipelineSaturationBenchmarks
{
    /// <summary>Records per run.</summary>
    public const int Records = 1 << 21;

    private readonly int[] _input = [.. Enumerable.Range(0, Records)];

    [Benchmark(Baseline = true, OperationsPerInvoke = Records)]
    public Task<long> Fifo() => StatelessPipeline.RunAsync(SchedulingPolicies.Fifo, _input);

    [Benchmark(OperationsPerInvoke = Records)]
    public Task<long> Cameo() => StatelessPipeline.RunAsync(SchedulingPolicies.Cameo, _input);
}
