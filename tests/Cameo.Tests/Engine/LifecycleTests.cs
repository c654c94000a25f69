using System.Collections.Concurrent;
using Cameo.Operators;
using Cameo.Tests.Support;

namespace Cameo.Tests.Engine;

/// <summary>Stopping an endless query flushes its open windows: whatever was read is accounted for.</summary>
public class LifecycleTests
{
    public static TheoryData<bool> Runtimes => new() { false, true };

    [Theory]
    [MemberData(nameof(Runtimes))]
    public async Task Stopping_an_endless_windowed_query_flushes_every_open_window(bool slots)
    {
        long read = 0;
        var results = new ConcurrentBag<WindowResult<int, long>>();
        await using var engine = CameoEngine.Create(o => { o.Workers = 2; if (slots) o.UseSlots(); });
        var q = engine.AddQuery("endless", TimeSpan.FromMilliseconds(100), b => b
            .From(Source.Generate((i, dueMs) => (Key: (int)(i % 4), Time: dueMs), eventsPerSecond: 20_000))
            .WithEventTime(e => e.Time, TimeSpan.FromMilliseconds(5))
            .Select(e => { Interlocked.Increment(ref read); return e; })
            .KeyBy(e => e.Key).Window(TimeSpan.FromSeconds(10)).Count() // no window closes before the stop
            .To(results.Add));
        using var stop = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        await engine.RunAsync(stop.Token).WaitAsync(Within.Run);

        Assert.True(q.Completion.IsCompletedSuccessfully);
        Assert.True(Interlocked.Read(ref read) > 0);
        Assert.Equal(0, q.Stats.LateEvents);
        Assert.Equal(Interlocked.Read(ref read), results.Sum(r => r.Value));
    }

    [Fact]
    public async Task Stopping_one_query_ends_it_while_the_others_run_on()
    {
        long first = 0, second = 0;
        await using var engine = CameoEngine.Create(o => o.Workers = 2);
        var a = engine.AddQuery("a", TimeSpan.FromMilliseconds(100), b => b
            .From(Source.Generate((i, _) => i, eventsPerSecond: 5_000)).To(_ => Interlocked.Increment(ref first)));
        var c = engine.AddQuery("c", TimeSpan.FromMilliseconds(100), b => b
            .From(Source.Generate((i, _) => i, eventsPerSecond: 5_000)).To(_ => Interlocked.Increment(ref second)));
        engine.Start();
        await Task.Delay(100);
        a.Stop();
        await a.Completion.WaitAsync(Within.Run);
        long afterStop = Interlocked.Read(ref second);
        long stoppedAt = Interlocked.Read(ref first);
        var deadline = DateTime.UtcNow + Within.Run;
        while (Interlocked.Read(ref second) <= afterStop + 100 && DateTime.UtcNow < deadline) await Task.Delay(10);

        Assert.True(Interlocked.Read(ref second) > afterStop + 100, "the other query kept going");
        Assert.False(c.Completion.IsCompleted);
        Assert.Equal(stoppedAt, Interlocked.Read(ref first)); // nothing more after its completion
        await engine.StopAsync();
        await c.Completion.WaitAsync(Within.Run);
    }

    [Fact]
    public void Engine_options_are_checked()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => CameoEngine.Create(o => o.Workers = 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => CameoEngine.Create(o => o.BatchSize = 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => CameoEngine.Create(o => o.MaxInFlightMessages = 0));
        Assert.Throws<ArgumentException>(() => Cameo.Scheduling.SchedulingPolicies.Parse("round-robin"));
        Assert.Same(Cameo.Scheduling.SchedulingPolicies.Llf, Cameo.Scheduling.SchedulingPolicies.Parse("LLF"));
    }
}
