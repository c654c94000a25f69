using Cameo.Messages;
using Cameo.Operators;
using Cameo.Progress;
using Cameo.Runtime;
using Cameo.Scheduling;
using Cameo.Tests.Support;
using Cameo.Time;

namespace Cameo.Tests.Windows;

/// <summary>
/// A window firing cut into slices, step by step: the window instance is handed its messages one at
/// a time on a runtime that never runs them, so what each step sends (to the sink, and to itself) is
/// in the mailboxes to look at.
/// </summary>
public class SlicedFiringTests
{
    private static (QueryRun Run, int Window, int Sink) Deploy()
    {
        var runtime = new EmbeddedRuntime(SchedulingPolicies.Cameo, 1, TimeSpan.FromHours(1));
        var run = Deployment.Deploy(runtime, 0, "sliced", TimeSpan.FromMilliseconds(50), TimeProvider.System, b => b
            .From(Source.From(Array.Empty<Ev>())).WithEventTime(e => e.Time, TimeSpan.Zero)
            .KeyBy(e => e.Key).Window(TimeSpan.FromMilliseconds(100)).Count()
            .To(_ => { }), batchSize: 1, maxMessageCost: TimeSpan.FromTicks(1)); // one result per slice, from the first
        return (run, Deployment.InstanceOf(run, "Count"), Deployment.InstanceOf(run, "Sink"));
    }

    private static List<Message> Drain(QueryRun run, int index)
    {
        var mailbox = run.Actors[index]!.Mailbox;
        var messages = new List<Message>();
        while (mailbox.Count > 0) messages.Add(mailbox.Dequeue());
        return messages;
    }

    [Fact]
    public void A_firing_goes_out_a_slice_per_message_and_its_watermark_follows_the_last_slice()
    {
        var (run, window, sink) = Deploy();
        var host = run.Hosts[window];
        Assert.Equal(host.InputChannels + 1, host.ChannelCount); // the resume channel
        long arrival = PhysicalTime.Now(TimeProvider.System);
        Ev[] events = [new(0, 1, 10, 0), new(1, 2, 20, 0), new(2, 3, 30, 0)];
        host.Process(new Message<Ev>(events, [10, 20, 30], 3)
        {
            Kind = MessageKind.Data,
            Sender = 0,
            Channel = 0,
            Watermark = 100, // closes [0, 100) with three keys
            Context = new PriorityContext(0, arrival, arrival, 0, 0, 0),
        });

        var results = new List<WindowResult<int, long>>();
        for (int slice = 0; slice < 3; slice++)
        {
            var sent = Drain(run, sink);
            var data = Assert.Single(sent); // one result per slice
            results.Add(((Message<WindowResult<int, long>>)data).Items[0]);
            Assert.Equal(arrival, data.Context.ArrivalTime); // stamped with the arrival of the event that closed the window
            if (slice < 2)
            {
                Assert.Equal(Watermark.None, data.Watermark); // held back while results are pending
                var resume = Assert.Single(Drain(run, window));
                Assert.Equal(MessageKind.Resume, resume.Kind);
                Assert.Equal(host.ResumeChannel, resume.Channel);
                Assert.Equal(arrival, resume.Context.FrontierTime);
                host.Process(resume);
            }
            else
            {
                Assert.Equal(100, data.Watermark); // the last slice releases the watermark
                Assert.Empty(Drain(run, window));
            }
        }
        Assert.Equal([1, 2, 3], results.Select(r => r.Key).Order());
        Assert.All(results, r => Assert.Equal((0L, 100L, 1L), (r.Start, r.End, r.Value)));
    }

    [Fact]
    public void The_end_of_the_stream_waits_for_the_pending_firing()
    {
        var (run, window, sink) = Deploy();
        var host = run.Hosts[window];
        long arrival = PhysicalTime.Now(TimeProvider.System);
        host.Process(new Message<Ev>([new(0, 1, 10, 0), new(1, 2, 20, 0)], [10, 20], 2)
        {
            Kind = MessageKind.Data,
            Sender = 0,
            Channel = 0,
            Context = new PriorityContext(0, arrival, arrival, 0, 0, 0),
        });
        host.Process(new Message { Kind = MessageKind.End, Sender = 0, Channel = 0, Watermark = Watermark.EndOfStream, Context = new PriorityContext(0, arrival, arrival, 0, 0, 0) });

        var kinds = new List<MessageKind>();
        for (int guard = 0; guard < 10; guard++)
        {
            kinds.AddRange(Drain(run, sink).Select(m => m.Kind));
            var own = Drain(run, window);
            if (own.Count == 0) break;
            host.Process(Assert.Single(own));
        }
        Assert.Equal([MessageKind.Data, MessageKind.Data, MessageKind.End], kinds);
    }
}
