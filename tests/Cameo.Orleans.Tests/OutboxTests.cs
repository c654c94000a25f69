using System.Diagnostics;
using Cameo.Messages;
using Cameo.Orleans.Grains;
using Cameo.Orleans.Wire;
using Cameo.Scheduling;

namespace Cameo.Orleans.Tests;

/// <summary>The sending side of delivery on its own: numbering, what is kept for resending, credits from cumulative acknowledgements, the stall report.</summary>
public sealed class OutboxTests
{
    private static DeliveryProgress Progress(long accepted, long processed, bool blocked = false) => new(accepted, processed, default(ReplyContext), blocked);

    [Fact]
    public void Each_receiver_is_numbered_from_zero()
    {
        var outbox = new Outbox(self: 9, receivers: 10, capacity: 10);
        Assert.Equal([0L, 1L, 2L], [outbox.Send(2, new Message(), 0).Sequence, outbox.Send(2, new Message(), 0).Sequence, outbox.Send(2, new Message(), 0).Sequence]);
        Assert.Equal(0L, outbox.Send(3, new Message(), 0).Sequence);
        Assert.Equal(4, outbox.Credits.InFlight);
    }

    [Fact]
    public void A_lost_acknowledgement_is_repaired_by_the_next_and_no_credit_leaks()
    {
        var outbox = new Outbox(self: 9, receivers: 10, capacity: 10);
        for (int i = 0; i < 5; i++) outbox.Send(1, new Message(), 0);
        // the acknowledgement of the first two messages is lost; the next one says four are processed
        Assert.True(outbox.Acknowledged(1, Progress(accepted: 5, processed: 4)));
        Assert.Equal(1, outbox.Credits.InFlight);
        Assert.Equal(0, outbox.Unarrived);
        // an older acknowledgement arriving late changes nothing
        Assert.False(outbox.Acknowledged(1, Progress(accepted: 2, processed: 2)));
        Assert.Equal(1, outbox.Credits.InFlight);
        Assert.True(outbox.Acknowledged(1, Progress(accepted: 5, processed: 5)));
        Assert.Equal(0, outbox.Credits.InFlight);
    }

    [Fact]
    public void What_was_sent_before_the_question_and_did_not_arrive_is_sent_again()
    {
        var outbox = new Outbox(self: 9, receivers: 10, capacity: 10);
        for (int i = 0; i < 4; i++) outbox.Send(0, new Message(), 0);
        long late = Stopwatch.GetTimestamp() + Stopwatch.Frequency * 10;
        var overdue = Assert.Single(outbox.Overdue(late, Stopwatch.Frequency)!);
        Assert.Equal((0, 4L), overdue);
        Assert.Null(outbox.Overdue(late, Stopwatch.Frequency)); // being asked already
        outbox.Send(0, new Message(), 0); // #4, after the question: it may still be on its way
        // the answer: #0 arrived and was processed, #1 was lost (so #2 and #3 wait behind it)
        outbox.Acknowledged(0, Progress(accepted: 1, processed: 1));
        Assert.Equal([1L, 2L, 3L], outbox.Unaccepted(0, overdue.SentBefore).Select(e => e.Sequence));
        outbox.Asked(0);
        Assert.Equal(3, outbox.Resent);
        Assert.Single(outbox.Overdue(late, Stopwatch.Frequency)!);
    }

    [Fact]
    public void A_receiver_without_progress_is_reported_as_stalled_the_longest_first()
    {
        var outbox = new Outbox(self: 9, receivers: 10, capacity: 10);
        long timeout = Stopwatch.Frequency * 5;
        outbox.Send(2, new Message(), 0);
        outbox.Send(1, new Message(), 0);
        Assert.Null(outbox.Stalled(Stopwatch.GetTimestamp(), timeout, timeout));
        long later = Stopwatch.GetTimestamp() + timeout;
        var stall = outbox.Stalled(later, timeout, recent: timeout * 2);
        Assert.NotNull(stall);
        Assert.Equal(2, stall.Value.Receiver);
        Assert.Contains("never answered", stall.Value.Why);
        Assert.Contains("1 messages unprocessed", stall.Value.Why);
        outbox.Acknowledged(2, Progress(accepted: 1, processed: 1));
        Assert.Equal(1, outbox.Stalled(later, timeout, recent: timeout * 2)?.Receiver);
        outbox.Acknowledged(1, Progress(accepted: 1, processed: 0)); // it answers, but processes nothing
        Assert.Contains("processes none", outbox.Stalled(later, timeout, recent: timeout * 2)?.Why);
    }

    [Fact]
    public void A_receiver_waiting_for_its_own_receivers_is_not_stalled()
    {
        var outbox = new Outbox(self: 9, receivers: 10, capacity: 10);
        long timeout = Stopwatch.Frequency * 5;
        outbox.Send(1, new Message(), 0);
        Assert.NotNull(outbox.Stalled(Stopwatch.GetTimestamp() + timeout, timeout, timeout));
        outbox.Acknowledged(1, Progress(accepted: 1, processed: 0, blocked: true));
        Assert.Null(outbox.Stalled(Stopwatch.GetTimestamp() + timeout / 2, timeout, timeout));
    }

    [Fact]
    public void Messages_to_itself_are_numbered_but_neither_kept_nor_credited()
    {
        var outbox = new Outbox(self: 1, receivers: 3, capacity: 1);
        Assert.Equal([0L, 1L], [outbox.Send(1, new Message(), 0).Sequence, outbox.Send(1, new Message(), 0).Sequence]);
        Assert.Equal(0, outbox.Credits.InFlight);
        Assert.Equal(0, outbox.Unarrived);
        Assert.Null(outbox.Overdue(Stopwatch.GetTimestamp() + Stopwatch.Frequency * 10, Stopwatch.Frequency));
    }
}
