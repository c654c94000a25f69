using Cameo.Messages;
using Cameo.Scheduling.Core;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Cameo.Tests.Scheduling.Core;

/// <summary>The second scheduling level, the per-instance priority mailbox, against a brute-force model.</summary>
public class PriorityMailboxTests
{
    /// <summary>An operation on a mailbox: enqueue on a channel with a rank, or dequeue (Channel &lt; 0).</summary>
    public readonly record struct Op(int Channel, long Rank);

    private static readonly Gen<Op[]> Ops =
        Gen.ArrayOf(Gen.Frequency(
            (3, from c in Gen.Choose(0, 3) from r in Gen.Choose(0, 20) select new Op(c, r)),
            (2, Gen.Constant(new Op(-1, 0)))));

    [Property(MaxTest = 200)]
    public Property Keeps_each_channel_in_order_and_serves_the_channel_holding_the_most_urgent_message() =>
        Prop.ForAll(Ops.ToArbitrary(), ops =>
        {
            var mailbox = new PriorityMailbox(4);
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
                    mailbox.Enqueue(m, op.Rank, enqueuedAt: ++seq);
                    model[op.Channel].Add((m, op.Rank, seq));
                }
                else if (mailbox.Count > 0)
                {
                    // The channel whose most urgent message (earliest among equals) beats every other channel's.
                    var channel = model.Where(q => q.Count > 0)
                        .OrderBy(q => q.Min(e => (e.Rank, e.Seq))).First();
                    var expected = channel[0]; // and from it, the oldest message: channels never reorder
                    channel.RemoveAt(0);
                    Assert.Same(expected.M, mailbox.Dequeue(out long rank, out long enqueuedAt));
                    Assert.Equal(expected.Rank, rank);
                    Assert.Equal(expected.Seq, enqueuedAt);
                }
            }
            Assert.Equal(0, mailbox.Count);
            Assert.Equal(long.MaxValue, mailbox.BestRank);
        });

    [Fact]
    public void An_empty_mailbox_refuses_to_dequeue() =>
        Assert.Throws<InvalidOperationException>(() => new PriorityMailbox(2).Dequeue());
}
