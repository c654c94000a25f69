using System.Collections.Concurrent;
using Xunit.Abstractions;

namespace Cameo.Orleans.Tests;

/// <summary>
/// Across two silos, a latency-sensitive query's messages are processed ahead of a saturating bulk
/// query's, judged by the order in which the silos start processing messages, not by timing.
/// </summary>
public sealed class PriorityOrderTests(ITestOutputHelper output)
{
    private static long Spin(long x)
    {
        for (int i = 0; i < 4_000; i++) x = x * 6364136223846793005L + 1442695040888963407L;
        return x;
    }

    /// <summary>
    /// For each latency-sensitive message: how many bulk messages started on its silo while it waited
    /// (after it reached its grain, before it started).
    /// </summary>
    private static (int Ls, int Bulk, int Overtaken) Overtakes(IReadOnlyCollection<ProcessedMessage> log)
    {
        int ls = 0, bulk = 0, overtaken = 0;
        foreach (var silo in log.GroupBy(m => m.Silo))
        {
            var bulkStarts = silo.Where(m => m.Query == "bulk").Select(m => m.Started).Order().ToArray();
            bulk += bulkStarts.Length;
            foreach (var m in silo.Where(m => m.Query == "ls" && m.Enqueued > 0))
            {
                ls++;
                int from = Array.BinarySearch(bulkStarts, m.Enqueued);
                int to = Array.BinarySearch(bulkStarts, m.Started);
                overtaken += (to < 0 ? ~to : to) - (from < 0 ? ~from : from);
            }
        }
        return (ls, bulk, overtaken);
    }

    private static async Task<(int Ls, int Bulk, int Overtaken, Cameo.Metrics.PriorityInversion Inversion)> RunAsync(Cameo.Scheduling.ISchedulingPolicy? policy)
    {
        var log = new ConcurrentQueue<ProcessedMessage>();
        await using var engine = CameoEngine.Create(o => o.Runtime = OrleansRuntime.InProcess(2, policy, s =>
        {
            s.Turns = 1;
            s.OnProcessed = log.Enqueue;
        }));
        engine.AddQuery("bulk", TimeSpan.FromSeconds(10), b => b
            .From(Source.Generate((i, t) => i, eventsPerSecond: 400_000))
            .Select(Spin).WithParallelism(2)
            .Where(x => x % 3 == 0).WithParallelism(2)
            .To(_ => { }));
        engine.AddQuery("ls", TimeSpan.FromMilliseconds(20), b => b
            .From(Source.Generate((i, t) => i, eventsPerSecond: 500))
            .Select(x => x + 1).WithParallelism(2)
            .Where(x => x % 3 == 0).WithParallelism(2)
            .To(_ => { }));
        engine.Start();
        await Task.Delay(TimeSpan.FromSeconds(2));
        await engine.StopAsync(TimeSpan.FromSeconds(1));
        var inversion = engine.Runtime.PriorityInversion;
        var (ls, bulk, overtaken) = Overtakes(log);
        return (ls, bulk, overtaken, inversion);
    }

    /// <summary>Under Cameo's policy latency-sensitive messages go first; under FIFO (the control) they wait their turn, which shows the measure can tell.</summary>
    [Theory]
    [InlineData("cameo")]
    [InlineData("fifo")]
    public async Task Latency_sensitive_messages_overtake_queued_bulk_messages_on_every_silo(string policy)
    {
        var (ls, bulk, overtaken, inversion) = await RunAsync(Cameo.Scheduling.SchedulingPolicies.Parse(policy));
        output.WriteLine($"{policy}: {ls} latency-sensitive messages, {bulk} bulk messages, {overtaken} bulk messages started while a latency-sensitive one waited; {inversion}");

        Assert.True(ls >= 100, $"only {ls} latency-sensitive messages were processed");
        Assert.True(bulk >= 200, $"only {bulk} bulk messages were processed: the bulk query did not saturate");
        // With one turn per silo, a latency-sensitive message can wait for at most the bulk message
        // whose turn was already granted when it arrived; anything more means bulk went first.
        // The silos' turn scheduler measures priority inversion on every message a turn runs (the log
        // may still have grown while the drain went on after the measurement was read).
        Assert.True(inversion.Messages >= (ls + bulk) / 2, $"priority inversion was measured on {inversion.Messages} of {ls + bulk} messages");
        if (policy == "cameo") Assert.True(overtaken <= ls, $"{overtaken} bulk messages overtook {ls} latency-sensitive ones");
        else Assert.True(overtaken > 10 * ls, $"under FIFO only {overtaken} bulk messages went before {ls} latency-sensitive ones: the bulk query did not build a queue");
    }
}
