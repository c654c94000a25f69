using Cameo.Scheduling;

namespace Cameo.Benchmarks;

/// <summary>
/// The stateless pipeline of the scheduler-overhead comparison: source → Where → Select → sink over
/// a finite input, on the embedded runtime, as fast as it goes. Shared by the BenchmarkDotNet class
/// and the <c>pipeline</c> command.
/// </summary>
internal static class StatelessPipeline
{
    /// <summary>Runs the pipeline over <paramref name="input"/> under <paramref name="policy"/> and returns the sum the sink saw.</summary>
    public static async Task<long> RunAsync(ISchedulingPolicy policy, int[] input, int workers = 2)
    {
        await using var engine = CameoEngine.Create(o => { o.Workers = workers; o.Policy = policy; });
        long sum = 0;
        engine.AddQuery("pipeline", TimeSpan.FromMilliseconds(100), q => q
            .From(Source.From(input))
            .Where(x => (x & 1) == 0)
            .Select(x => x * 3L)
            .To(r => sum += r)); // one sink instance: called from one thread at a time
        await engine.RunAsync().ConfigureAwait(false);
        return sum;
    }
}
