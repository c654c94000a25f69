using Cameo.Scheduling.Core;

namespace Cameo.Tests.Scheduling.Core;

/// <summary>The ready queue's operations, one by one (the order under random operations is checked by <see cref="TieRuleOracleTests"/>).</summary>
public class ReadyQueueTests
{
    [Fact]
    public void Pops_the_most_urgent_item_first_and_ties_in_push_order()
    {
        var a = TestItem.Many(4);
        var queue = new ReadyQueue<TestItem>();
        Assert.Equal(long.MaxValue, queue.HeadRank);
        queue.Push(a[0], 0, 30);
        queue.Push(a[1], 0, 10);
        queue.Push(a[2], 0, 20);
        queue.Push(a[3], 0, 10);
        Assert.Equal(10, queue.HeadRank);
        var popped = new List<TestItem>();
        while (queue.TryPop(out var item, out _)) popped.Add(item);
        Assert.Equal([a[1], a[3], a[2], a[0]], popped);
        Assert.Equal(long.MaxValue, queue.HeadRank);
        Assert.True(queue.IsEmpty);
    }

    [Fact]
    public void Skips_entries_left_behind_when_an_item_was_queued_again()
    {
        var a = TestItem.Many(2);
        var queue = new ReadyQueue<TestItem>();
        queue.Push(a[0], ++a[0].Version, 5);
        queue.Push(a[1], ++a[1].Version, 7);
        queue.Push(a[0], ++a[0].Version, 9); // a[0] re-queued: its rank-5 entry is stale
        Assert.Equal(7, queue.HeadRank);
        Assert.True(queue.TryPeek(out var head, out _, out long headRank));
        Assert.Same(a[1], head);
        Assert.Equal(7, headRank);
        Assert.True(queue.TryPop(out var first, out long v1));
        Assert.Same(a[1], first);
        Assert.Equal(a[1].Version, v1);
        Assert.True(queue.TryPop(out var second, out long v2));
        Assert.Same(a[0], second);
        Assert.Equal(a[0].Version, v2);
        Assert.False(queue.TryPop(out _, out _));
        Assert.True(queue.IsEmpty);
    }

    [Fact]
    public void Exchange_yields_to_the_most_urgent_and_keeps_the_yielding_item_queued()
    {
        var a = TestItem.Many(3);
        var queue = new ReadyQueue<TestItem>();
        queue.Push(a[1], 0, 20);
        queue.Push(a[2], 0, 10);
        Assert.Equal((a[2], 0L), queue.Exchange(a[0], 0, 15));
        Assert.Equal(15, queue.HeadRank);
        Assert.True(queue.TryPop(out var next, out _));
        Assert.Same(a[0], next);
        Assert.True(queue.TryPop(out next, out _));
        Assert.Same(a[1], next);
    }

    [Fact]
    public void Exchange_takes_the_yielding_item_back_when_nothing_is_more_urgent()
    {
        var a = TestItem.Many(2);
        var queue = new ReadyQueue<TestItem>();
        queue.Push(a[1], 0, 20);
        Assert.Equal((a[0], 0L), queue.Exchange(a[0], 0, 5));
        Assert.Equal(20, queue.HeadRank);
    }

    [Fact]
    public void Exchange_returns_nothing_when_the_entry_went_stale_and_nothing_else_is_runnable()
    {
        var a = TestItem.Many(1);
        var queue = new ReadyQueue<TestItem>();
        long stale = a[0].Version;
        a[0].Version++; // queued again by someone else in between; that push follows
        Assert.Null(queue.Exchange(a[0], stale, 5));
        Assert.Equal(long.MaxValue, queue.HeadRank);
    }

    [Fact]
    public async Task Closing_releases_a_waiting_worker()
    {
        var queue = new ReadyQueue<TestItem>();
        var waiting = Task.Run(() => queue.TryPop(TimeSpan.FromMinutes(1), out _, out _));
        await Task.Delay(50);
        queue.Close();
        Assert.False(await waiting.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task A_push_wakes_a_waiting_worker()
    {
        var a = TestItem.Many(1);
        var queue = new ReadyQueue<TestItem>();
        var waiting = Task.Run(() => queue.TryPop(TimeSpan.FromMinutes(1), out var item, out _) ? item : null);
        await Task.Delay(50);
        queue.Push(a[0], 0, 1);
        Assert.Same(a[0], await waiting.WaitAsync(TimeSpan.FromSeconds(10)));
    }
}
