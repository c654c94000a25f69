using Cameo.Messages;
using Cameo.Runtime;
using Cameo.Scheduling;
using Cameo.Tests.Support;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Cameo.Tests.Scheduling;

/// <summary>The two levels of the embedded scheduler, each on its own, against brute-force models.</summary>
public class MailboxAndRunQueueTests
{
    /// <summary>An operation on a mailbox: enqueue on a channel with a rank, or dequeue (Channel &lt; 0).</summary>
    public readonly record struct Op(int Channel, long Rank);

    private static readonly Gen<Op[]> Ops =
        Gen.ArrayOf(Gen.Frequency(
            (3, from c in Gen.Choose(0, 3) from r in Gen.Choose(0, 20) select new Op(c, r)),
            (2, Gen.Constant(new Op(-1, 0)))));

    [Property(MaxTest = 200)]
    public Property Mailbox_keeps_each_channel_in_order_and_serves_the_channel_holding_the_most_urgent_message() =>
        Prop.ForAll(Ops.ToArbitrary(), ops =>
        {
            var mailbox = new Mailbox(4);
            var model = Enumerable.Range(0, 4).Select(_ => new List<(Message M, long Rank, long Seq)>()).ToArray();
            long seq = 0;
            foreach (var op in ops.Concat(Enumerable.Repeat(new Op(-1, 0), ops.Length)))
            {
                long best = model.SelectMany(q => q).Select(e => e.Rank).DefaultIfEmpty(long.MaxValue).Min();
                Assert.Equal(best, mailbox.BestRank);
                Assert.Equal(model.Sum(q => q.Count), mailbox.Count);
                if (op.Channel >= 0)
                {
                    var m = new Message { Channel = op.Channel };
                    mailbox.Enqueue(m, op.Rank, ++seq);
                    model[op.Channel].Add((m, op.Rank, seq));
                }
                else if (mailbox.Count > 0)
                {
                    // The channel whose most urgent message (earliest among equals) beats every other channel's.
                    var channel = model.Where(q => q.Count > 0)
                        .OrderBy(q => q.Min(e => (e.Rank, e.Seq))).First();
                    var expected = channel[0].M; // and from it, the oldest message: channels never reorder
                    channel.RemoveAt(0);
                    Assert.Same(expected, mailbox.Dequeue());
                }
            }
            Assert.Equal(0, mailbox.Count);
            Assert.Equal(long.MaxValue, mailbox.BestRank);
        });

    [Fact]
    public void An_empty_mailbox_refuses_to_dequeue() =>
        Assert.Throws<InvalidOperationException>(() => new Mailbox(2).Dequeue());

    private static Actor[] Actors(int count)
    {
        var runtime = new EmbeddedRuntime(SchedulingPolicies.Fifo, 1, TimeSpan.FromMilliseconds(2));
        var run = Deployment.Deploy(runtime, 0, "actors", TimeSpan.FromSeconds(1), TimeProvider.System, b =>
        {
            var s = b.From(Source.From(Array.Empty<int>()));
            for (int i = 0; i < count - 1; i++) s = s.Where(_ => true);
            s.To(_ => { });
        });
        return [.. run.Actors.OfType<Actor>()];
    }

    [Fact]
    public void Run_queue_pops_the_most_urgent_actor_first_and_ties_in_push_order()
    {
        var a = Actors(4);
        var queue = new RunQueue();
        Assert.Equal(long.MaxValue, queue.HeadRank);
        queue.Push(a[0], a[0].Version, 30);
        queue.Push(a[1], a[1].Version, 10);
        queue.Push(a[2], a[2].Version, 20);
        queue.Push(a[3], a[3].Version, 10);
        Assert.Equal(10, queue.HeadRank);
        var popped = new List<Actor>();
        while (queue.TryPop(TimeSpan.Zero, out var actor, out _)) popped.Add(actor);
        Assert.Equal([a[1], a[3], a[2], a[0]], popped);
        Assert.Equal(long.MaxValue, queue.HeadRank);
    }

    [Fact]
    public void Run_queue_skips_entries_left_behind_when_an_actor_was_queued_again()
    {
        var a = Actors(2);
        var queue = new RunQueue();
        queue.Push(a[0], ++a[0].Version, 5);
        queue.Push(a[1], ++a[1].Version, 7);
        queue.Push(a[0], ++a[0].Version, 9); // a[0] re-queued: its rank-5 entry is stale
        Assert.Equal(7, queue.HeadRank);
        Assert.True(queue.TryPop(TimeSpan.Zero, out var first, out long v1));
        Assert.Same(a[1], first);
        Assert.Equal(a[1].Version, v1);
        Assert.True(queue.TryPop(TimeSpan.Zero, out var second, out long v2));
        Assert.Same(a[0], second);
        Assert.Equal(a[0].Version, v2);
        Assert.False(queue.TryPop(TimeSpan.Zero, out _, out _));
    }

    [Fact]
    public async Task Closing_the_run_queue_releases_a_waiting_worker()
    {
        var queue = new RunQueue();
        var waiting = Task.Run(() => queue.TryPop(TimeSpan.FromMinutes(1), out _, out _));
        await Task.Delay(50);
        queue.Close();
        Assert.False(await waiting.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task A_push_wakes_a_waiting_worker()
    {
        var a = Actors(1);
        var queue = new RunQueue();
        var waiting = Task.Run(() => queue.TryPop(TimeSpan.FromMinutes(1), out var actor, out _) ? actor : null);
        await Task.Delay(50);
        queue.Push(a[0], a[0].Version, 1);
        Assert.Same(a[0], await waiting.WaitAsync(TimeSpan.FromSeconds(10)));
    }
}
