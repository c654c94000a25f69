using Cameo.Messages;
using Cameo.Orleans.Grains;
using Cameo.Orleans.Wire;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Cameo.Orleans.Tests;

/// <summary>An instance grain's re-sequencing on its own: whatever order envelopes arrive in, each channel's come out in send order.</summary>
public sealed class ChannelSequencerTests
{
    private const int Channels = 3;

    /// <summary>Envelopes numbered 0..n-1 per channel, shuffled together.</summary>
    private static readonly Gen<(int Channel, long Sequence)[]> Arrivals =
        from counts in Gen.ArrayOf(Gen.Choose(0, 8), Channels)
        let all = counts.SelectMany((n, c) => Enumerable.Range(0, n).Select(s => (Channel: c, Sequence: (long)s))).ToArray()
        from order in Gen.Shuffle(all)
        select order;

    [Property(MaxTest = 200)]
    public Property Each_channel_comes_out_in_send_order_and_nothing_is_lost() =>
        Prop.ForAll(Arrivals.ToArbitrary(), arrivals =>
        {
            var sequencer = new ChannelSequencer(Channels);
            var released = Enumerable.Range(0, Channels).Select(_ => new List<long>()).ToArray();
            foreach (var (channel, sequence) in arrivals)
            {
                var envelope = new Envelope(new Message { Channel = channel }, sequence, sentAt: 0);
                if (!sequencer.Accept(envelope)) continue;
                var ready = envelope;
                do released[channel].Add(ready.Sequence);
                while (sequencer.TryNext(channel, out ready));
            }
            for (int c = 0; c < Channels; c++)
                Assert.Equal(Enumerable.Range(0, arrivals.Count(a => a.Channel == c)).Select(s => (long)s), released[c]);
            Assert.Equal(0, sequencer.Waiting);
        });

    [Fact]
    public void A_sender_numbers_each_receiver_and_channel_from_zero()
    {
        var sequencer = new ChannelSequencer(Channels);
        Assert.Equal([0L, 1L, 2L], [sequencer.Number(5, 0), sequencer.Number(5, 0), sequencer.Number(5, 0)]);
        Assert.Equal(0L, sequencer.Number(5, 1));
        Assert.Equal(0L, sequencer.Number(6, 0));
        Assert.Equal(3L, sequencer.Number(5, 0));
    }
}
