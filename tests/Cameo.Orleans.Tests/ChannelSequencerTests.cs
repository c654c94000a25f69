using Cameo.Messages;
using Cameo.Orleans.Grains;
using Cameo.Orleans.Wire;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Cameo.Orleans.Tests;

/// <summary>An instance grain's re-sequencing on its own: whatever order envelopes arrive in, and however often, each sender's come out in send order, once.</summary>
public sealed class ChannelSequencerTests
{
    private const int Senders = 3;

    /// <summary>Envelopes numbered 0..n-1 per sender, some of them delivered twice (a resend), shuffled together.</summary>
    private static readonly Gen<(int Sender, long Sequence)[]> Arrivals =
        from counts in Gen.ArrayOf(Gen.Choose(0, 8), Senders)
        let all = counts.SelectMany((n, c) => Enumerable.Range(0, n).Select(s => (Sender: c, Sequence: (long)s))).ToArray()
        from again in Gen.SubListOf(all)
        from order in Gen.Shuffle(all.Concat(again))
        select order;

    [Property(MaxTest = 300)]
    public Property Each_sender_comes_out_in_send_order_exactly_once() =>
        Prop.ForAll(Arrivals.ToArbitrary(), arrivals =>
        {
            var sequencer = new ChannelSequencer(Senders);
            var released = Enumerable.Range(0, Senders).Select(_ => new List<long>()).ToArray();
            foreach (var (sender, sequence) in arrivals)
            {
                var envelope = new Envelope(new Message { Sender = sender }, sequence, sentAt: 0);
                if (sequencer.Accept(envelope) != Arrival.Next) continue;
                var ready = envelope;
                do released[sender].Add(ready.Sequence);
                while (sequencer.TryNext(sender, out ready));
            }
            for (int s = 0; s < Senders; s++)
            {
                long sent = arrivals.Where(a => a.Sender == s).Select(a => a.Sequence + 1).DefaultIfEmpty(0).Max();
                Assert.Equal(Enumerable.Range(0, (int)sent).Select(i => (long)i), released[s]);
                Assert.Equal(sent, sequencer.Accepted(s));
            }
            Assert.Equal(0, sequencer.Waiting);
        });

    [Fact]
    public void An_envelope_that_arrives_again_is_a_duplicate_whether_it_was_processed_or_is_still_waiting()
    {
        var sequencer = new ChannelSequencer(Senders);
        Envelope Numbered(long sequence) => new(new Message { Sender = 1 }, sequence, sentAt: 0);
        Assert.Equal(Arrival.Next, sequencer.Accept(Numbered(0)));
        Assert.Equal(Arrival.Duplicate, sequencer.Accept(Numbered(0)));
        Assert.Equal(Arrival.Early, sequencer.Accept(Numbered(2)));
        Assert.Equal(Arrival.Duplicate, sequencer.Accept(Numbered(2)));
        Assert.Equal(1, sequencer.Waiting);
        Assert.Equal(1L, sequencer.Accepted(1));
        Assert.Equal(0L, sequencer.Accepted(0));
    }
}
