using Cameo.Scheduling.Core;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Cameo.Tests.Scheduling.Core;

/// <summary>
/// The one tie rule every runtime shares, checked once: the <see cref="ReadyQueue{T}"/> and the
/// <see cref="TurnRule"/>, driven by random pushes, raises, pops, exchanges and turn decisions,
/// against a brute-force model that keeps the waiting items in a list and sorts it.
/// </summary>
public class TieRuleOracleTests
{
    private enum Kind { Push, Pop, Exchange, Ask }

    /// <summary>One step: push (or raise, if queued) an item, pop, exchange a running item, or ask the turn rule about a running item.</summary>
    public readonly record struct Op(int Kind, int Item, long Rank, int Elapsed);

    private const int Items = 5;

    private static readonly Gen<Op[]> Ops =
        Gen.ArrayOf(
            from kind in Gen.Frequency((4, Gen.Constant(Kind.Push)), (2, Gen.Constant(Kind.Pop)), (1, Gen.Constant(Kind.Exchange)), (3, Gen.Constant(Kind.Ask)))
            from item in Gen.Choose(0, Items - 1)
            from rank in Gen.Choose(0, 12)
            from elapsed in Gen.Choose(-1, 1)
            select new Op((int)kind, item, rank, elapsed));

    private static readonly Gen<long> Slacks = Gen.Elements(0L, 2L);

    [Property(MaxTest = 300)]
    public Property Ready_queue_and_turn_rule_agree_with_a_sorted_list() =>
        Prop.ForAll(Ops.ToArbitrary(), Slacks.ToArbitrary(), (ops, slack) =>
        {
            var rule = new TurnRule(TimeSpan.FromMilliseconds(2), slack);
            var items = TestItem.Many(Items);
            var queue = new ReadyQueue<TestItem>();
            var waiting = new List<(TestItem Item, long Rank, long Seq)>(); // the model: every live entry, in no order
            long seq = 0;

            (TestItem Item, long Rank, long Seq)? Best() =>
                waiting.Count == 0 ? null : waiting.OrderBy(e => e.Rank).ThenBy(e => e.Seq).First();

            void Enter(TestItem item, long rank)
            {
                waiting.RemoveAll(e => e.Item == item); // a raise replaces the item's entry, which enters anew
                waiting.Add((item, rank, seq++));
            }

            foreach (var op in ops)
            {
                var item = items[op.Item];
                bool queued = waiting.Exists(e => e.Item == item);
                switch ((Kind)op.Kind)
                {
                    case Kind.Push:
                        queue.Push(item, ++item.Version, op.Rank);
                        Enter(item, op.Rank);
                        break;
                    case Kind.Pop:
                        {
                            var expected = Best();
                            Assert.Equal(expected is not null, queue.TryPop(out var popped, out long version));
                            if (expected is not { } e) break;
                            Assert.Same(e.Item, popped);
                            Assert.Equal(e.Item.Version, version);
                            waiting.Remove(e);
                            break;
                        }
                    case Kind.Exchange when !queued: // a running item yields and takes the most urgent
                        {
                            var next = queue.Exchange(item, ++item.Version, op.Rank);
                            Enter(item, op.Rank);
                            var expected = Best()!.Value;
                            Assert.Equal((expected.Item, expected.Item.Version), next);
                            waiting.Remove(expected);
                            break;
                        }
                    case Kind.Ask:
                        {
                            // Brute force: the running item (rank r, entered before everyone) against every
                            // waiting entry handicapped by the slack; it keeps its turn if it sorts first,
                            // and its quantum is not used up.
                            long elapsed = rule.Quantum + op.Elapsed;
                            var order = waiting.Select(e => (Rank: e.Rank + slack, Entered: e.Seq + 1, Running: false))
                                .Append((Rank: op.Rank, Entered: 0L, Running: true))
                                .OrderBy(e => e.Rank).ThenBy(e => e.Entered).ToList();
                            bool keeps = order[0].Running && elapsed < rule.Quantum;
                            Assert.Equal(keeps, rule.KeepsTurn(op.Rank, queue.HeadRank, turnStart: 0, now: elapsed));
                            break;
                        }
                }
                Assert.Equal(Best()?.Rank ?? long.MaxValue, queue.HeadRank);
            }
        });

    [Fact]
    public void Without_slack_only_a_strictly_more_urgent_item_takes_the_turn()
    {
        var rule = new TurnRule(TimeSpan.FromMilliseconds(2));
        Assert.False(rule.IsOutranked(best: 10, headRank: 10));
        Assert.True(rule.IsOutranked(best: 10, headRank: 9));
        Assert.False(rule.IsOutranked(best: 10, headRank: long.MaxValue));
    }

    [Fact]
    public void With_slack_a_waiting_item_must_be_more_urgent_by_more_than_the_slack()
    {
        var rule = new TurnRule(TimeSpan.FromMilliseconds(2), rankSlack: 5);
        Assert.False(rule.IsOutranked(best: 10, headRank: 5));
        Assert.True(rule.IsOutranked(best: 10, headRank: 4));
        Assert.True(rule.IsOutranked(best: long.MaxValue - 1, headRank: long.MinValue + 1)); // no overflow
    }
}
