using Cameo.Orleans.Scheduling;
using Cameo.Scheduling.Core;

namespace Cameo.Orleans.Tests;

/// <summary>
/// The silo-wide turn scheduler on its own: who gets a turn at once, who waits, who is served when
/// a turn comes back, and when a short urgent message may take an extra turn.
/// </summary>
public sealed class TurnSchedulerTests
{
    private const long Slack = 100;
    private const long ShortCost = 50;
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(5);

    private static TurnScheduler Scheduler(int turns = 2, int urgentTurns = 1) => new(turns, urgentTurns, new TurnRule(TimeSpan.FromMilliseconds(2), Slack), urgentCost: ShortCost);

    [Fact]
    public async Task A_returned_turn_goes_to_the_most_urgent_waiter()
    {
        var scheduler = Scheduler(turns: 1, urgentTurns: 0);
        var holder = scheduler.Request(rank: 500);
        Assert.True(holder.IsGranted);
        var late = scheduler.Request(rank: 900);
        var urgent = scheduler.Request(rank: 100);
        Assert.False(late.IsGranted);
        Assert.False(urgent.IsGranted);
        Assert.Equal(100, scheduler.HeadRank);

        scheduler.Release(holder);
        await urgent.Granted.WaitAsync(Wait);
        Assert.False(late.IsGranted);

        scheduler.Release(urgent);
        await late.Granted.WaitAsync(Wait);
    }

    [Fact]
    public async Task A_raised_waiter_is_served_at_its_new_rank()
    {
        var scheduler = Scheduler(turns: 1, urgentTurns: 0);
        var holder = scheduler.Request(rank: 500);
        var first = scheduler.Request(rank: 600);
        var raised = scheduler.Request(rank: 900);
        scheduler.Raise(raised, 100);

        scheduler.Release(holder);
        await raised.Granted.WaitAsync(Wait);
        Assert.False(first.IsGranted);
    }

    [Fact]
    public void A_short_message_far_more_urgent_than_every_holder_takes_an_extra_turn_at_once()
    {
        var scheduler = Scheduler();
        var bulk1 = scheduler.Request(rank: 10_000);
        var bulk2 = scheduler.Request(rank: 20_000);

        var urgent = scheduler.Request(rank: 1_000, cost: ShortCost);

        Assert.True(urgent.IsGranted);
        Assert.True(urgent.Urgent);
        Assert.False(bulk1.Urgent || bulk2.Urgent);
    }

    [Fact]
    public void A_long_message_waits_however_urgent_unless_the_holders_run_messages_twice_as_long()
    {
        var scheduler = Scheduler();
        scheduler.Request(rank: 10_000, cost: 1_000);
        scheduler.Request(rank: 20_000, cost: 300);
        Assert.False(scheduler.Request(rank: 1_000, cost: 200).IsGranted); // more than half of 300

        var longHolders = Scheduler();
        longHolders.Request(rank: 10_000, cost: 1_000);
        longHolders.Request(rank: 20_000, cost: 400);
        var overtaking = longHolders.Request(rank: 1_000, cost: 200);
        Assert.True(overtaking.IsGranted);
        Assert.True(overtaking.Urgent);
    }

    [Fact]
    public void An_extra_turn_needs_more_than_the_slack_over_what_every_holder_processes()
    {
        var scheduler = Scheduler();
        scheduler.Request(rank: 10_000);
        var holder = scheduler.Request(rank: 20_000);
        holder.Current = 1_050; // the holder went on to a message nearly as urgent

        var close = scheduler.Request(rank: 1_000, cost: 1);
        Assert.False(close.IsGranted);

        holder.Current = 1_101;
        var clear = scheduler.Request(rank: 1_000, cost: 1);
        Assert.True(clear.IsGranted);
    }

    [Fact]
    public async Task Extra_turns_are_limited_and_a_freed_one_goes_to_an_eligible_waiter()
    {
        var scheduler = Scheduler(urgentTurns: 1);
        var bulk1 = scheduler.Request(rank: 10_000);
        var bulk2 = scheduler.Request(rank: 20_000);
        var first = scheduler.Request(rank: 1_000, cost: 1);
        var second = scheduler.Request(rank: 1_000, cost: 1);
        Assert.True(first.Urgent);
        Assert.False(second.IsGranted);

        scheduler.Release(first);
        await second.Granted.WaitAsync(Wait);
        Assert.True(second.Urgent);
        Assert.False(bulk1.Urgent || bulk2.Urgent);
    }

    [Fact]
    public void Without_extra_turns_everyone_waits_for_a_turn()
    {
        var scheduler = Scheduler(urgentTurns: 0);
        scheduler.Request(rank: 10_000);
        scheduler.Request(rank: 20_000);

        Assert.False(scheduler.Request(rank: 0, cost: 0).IsGranted);
    }

    [Fact]
    public async Task Silos_of_one_process_share_one_scheduler_with_a_turn_per_core()
    {
        await using var cluster = await InProcessCluster.StartAsync(2, o => o.Policy = Cameo.Scheduling.SchedulingPolicies.Cameo);
        var first = cluster.CameoSilo(cluster.Silos[0]).Scheduler;
        var second = cluster.CameoSilo(cluster.Silos[1]).Scheduler;
        Assert.NotNull(first);
        Assert.Same(first, second);
        Assert.Equal(Environment.ProcessorCount, first.Turns);
    }
}
