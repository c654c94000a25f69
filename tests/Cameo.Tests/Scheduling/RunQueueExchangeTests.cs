using Cameo.Runtime;
using Cameo.Scheduling;
using Cameo.Tests.Support;

namespace Cameo.Tests.Scheduling;

/// <summary><see cref="RunQueue.Exchange"/>: how a worker yields its actor to a more urgent one.</summary>
public class RunQueueExchangeTests
{
    private static Actor[] Actors(int count)
    {
        var runtime = new EmbeddedRuntime(SchedulingPolicies.Fifo, 1, TimeSpan.FromMilliseconds(2));
        var run = Deployment.Deploy(runtime, 0, "exchange", TimeSpan.FromSeconds(1), TimeProvider.System, b =>
        {
            var s = b.From(Source.From(Array.Empty<int>()));
            for (int i = 0; i < count - 1; i++) s = s.Where(_ => true);
            s.To(_ => { });
        });
        return [.. run.Actors.OfType<Actor>()];
    }

    [Fact]
    public void Yields_to_the_most_urgent_and_keeps_the_yielding_actor_queued()
    {
        var a = Actors(3);
        var queue = new RunQueue();
        queue.Push(a[1], a[1].Version, 20);
        queue.Push(a[2], a[2].Version, 10);
        Assert.Equal((a[2], a[2].Version), queue.Exchange(a[0], a[0].Version, 15));
        Assert.Equal(15, queue.HeadRank);
        Assert.True(queue.TryPop(TimeSpan.Zero, out var next, out _));
        Assert.Same(a[0], next);
        Assert.True(queue.TryPop(TimeSpan.Zero, out next, out _));
        Assert.Same(a[1], next);
    }

    [Fact]
    public void Takes_the_yielding_actor_back_when_nothing_is_more_urgent()
    {
        var a = Actors(2);
        var queue = new RunQueue();
        queue.Push(a[1], a[1].Version, 20);
        Assert.Equal((a[0], a[0].Version), queue.Exchange(a[0], a[0].Version, 5));
        Assert.Equal(20, queue.HeadRank);
    }

    [Fact]
    public void Returns_nothing_when_the_entry_went_stale_and_nothing_else_is_runnable()
    {
        var a = Actors(1);
        var queue = new RunQueue();
        long stale = a[0].Version;
        a[0].Version++; // a sender re-queued the actor in between; its push follows
        Assert.Null(queue.Exchange(a[0], stale, 5));
        Assert.Equal(long.MaxValue, queue.HeadRank);
    }
}
