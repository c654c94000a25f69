using System.Diagnostics;
using Cameo.Runtime;
using Cameo.Scheduling;
using Cameo.Scheduling.Core;
using Cameo.Tests.Support;
using Xunit.Abstractions;

namespace Cameo.Tests.Engine;

/// <summary>Overload turns into backpressure at the sources, per query, instead of into memory.</summary>
public class BackpressureTests(ITestOutputHelper output)
{
    private static bool SlowFilter(long x)
    {
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < TimeSpan.FromMicroseconds(20)) Thread.SpinWait(10);
        return true;
    }

    [Fact]
    public async Task An_overloaded_query_keeps_its_messages_bounded_and_does_not_stall_another_query()
    {
        const int maxInFlight = 32;
        // A source's batch is at most two messages (records, then a watermark alone), and each message
        // handled by a worker may emit two more before its credit returns: a small margin over the bound.
        // (Messages are not cut by cost here: a batch of the slow filter's records would be several messages.)
        const int margin = 2 + 2 * 2 * 2;
        await using var runtime = new EmbeddedRuntime(SchedulingPolicies.Cameo, 2, TimeSpan.FromMilliseconds(2));
        long heavyOut = 0, lightOut = 0;
        var heavy = Deployment.Deploy(runtime, 0, "heavy", TimeSpan.FromMilliseconds(100), TimeProvider.System, b => b
            .From(Source.Generate((i, due) => i, eventsPerSecond: 10_000_000))
            .Where(SlowFilter)
            .To(_ => Interlocked.Increment(ref heavyOut)), batchSize: 64, maxInFlight: maxInFlight, maxMessageCost: TimeSpan.FromSeconds(1));
        var light = Deployment.Deploy(runtime, 1, "light", TimeSpan.FromMilliseconds(100), TimeProvider.System, b => b
            .From(Source.Generate((i, due) => i, eventsPerSecond: 2_000))
            .Where(x => x >= 0)
            .To(_ => Interlocked.Increment(ref lightOut)), maxInFlight: maxInFlight);

        int worstInFlight = 0, worstQueued = 0;
        runtime.Start();
        var watch = Stopwatch.StartNew();
        long lightEarly = -1;
        while (watch.Elapsed < TimeSpan.FromSeconds(1.5))
        {
            worstInFlight = Math.Max(worstInFlight, heavy.Gate.InFlight);
            int queued = 0;
            foreach (var actor in heavy.Actors.OfType<Actor>())
                lock (actor.Lock) queued += actor.Mailbox.Count;
            worstQueued = Math.Max(worstQueued, queued);
            if (lightEarly < 0 && watch.Elapsed > TimeSpan.FromSeconds(0.5)) lightEarly = Interlocked.Read(ref lightOut);
            Thread.Sleep(1);
        }
        long lightLate = Interlocked.Read(ref lightOut);
        heavy.Stop();
        light.Stop();
        await Task.WhenAll(heavy.Completion, light.Completion).WaitAsync(Within.Run);

        output.WriteLine($"heavy: worst {worstInFlight} in flight, {worstQueued} queued (bound {maxInFlight}); light: {lightEarly} then {lightLate} outputs");
        Assert.True(Interlocked.Read(ref heavyOut) > 0, "the heavy query made progress");
        Assert.True(worstInFlight > maxInFlight / 2, $"the heavy query was meant to be saturated (saw {worstInFlight} in flight)");
        Assert.InRange(worstInFlight, 0, maxInFlight + margin);
        Assert.InRange(worstQueued, 0, maxInFlight + margin);
        Assert.True(lightLate > lightEarly && lightEarly >= 0, $"the light query kept producing ({lightEarly} then {lightLate} outputs)");
    }

    [Fact]
    public async Task A_source_waits_for_credit_and_resumes_once_a_quarter_of_the_capacity_has_drained()
    {
        var gate = new CreditGate(8);
        for (int i = 0; i < 8; i++) gate.Add();
        var wait = gate.WaitAsync(CancellationToken.None).AsTask();
        gate.Done();
        await Task.Delay(20);
        Assert.False(wait.IsCompleted, "7 of 8 in flight: still full enough to wait");
        gate.Done();
        await wait.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(6, gate.InFlight);
        Assert.True(gate.WaitAsync(CancellationToken.None).IsCompleted);
    }
}
