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
    public Task<long> Fifo() => Run(SchedulingPolicies.Fifo);

    [Benchmark(OperationsPerInvoke = Records)]
    public Task<long> Cameo() => Run(SchedulingPolicies.Cameo);

    private async Task<long> Run(ISchedulingPolicy policy)
    {
        await using var engine = CameoEngine.Create(o => { o.Workers = 2; o.Policy = policy; });
        long sum = 0;
        engine.AddQuery("pipeline", TimeSpan.FromMilliseconds(100), q => q
            .From(Source.From(_input))
            .Where(x => (x & 1) == 0)
            .Select(x => x * 3L)
            .To(r => sum += r)); // one sink instance: called from one thread at a time
        await engine.RunAsync();
        return sum;
    }
}
