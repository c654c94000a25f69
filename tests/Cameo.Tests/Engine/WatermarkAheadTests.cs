using Cameo.Execution;
using Cameo.Messages;
using Cameo.Operators;
using Cameo.Progress;
using Cameo.Runtime;
using Cameo.Scheduling;
using Cameo.Tests.Support;

namespace Cameo.Tests.Engine;

/// <summary>
/// A watermark that closes a window goes out ahead of the batch's trailing records stamped above
/// it, so the firing does not wait for the stages on the way to process records it cannot hold.
/// </summary>
public class WatermarkAheadTests
{
    /// <summary>What reached the instance after the source: (records, watermark) per message, in channel order.</summary>
    private static List<(long[] Records, long Watermark)> Queued(QueryRun run, int index)
    {
        var seen = new List<(long[], long)>();
        var mailbox = run.Actors[index]!.Mailbox;
        while (mailbox.Count > 0)
        {
            var message = mailbox.Dequeue();
            long[] records = message is Message<long> data && message.Kind == MessageKind.Data ? data.ItemSpan.ToArray() : [];
            seen.Add((records, message.Watermark));
            message.Release();
        }
        return seen;
    }

    private static (QueryRun Run, SourceHost<long> Source, int Pass) Deploy(bool windowed)
    {
        var runtime = new EmbeddedRuntime(SchedulingPolicies.Cameo, 1, TimeSpan.FromHours(1)); // never started: messages stay queued
        var run = Deployment.Deploy(runtime, 0, "ahead", TimeSpan.FromMilliseconds(50), TimeProvider.System, b =>
        {
            var passed = b.From(Source.From(Array.Empty<long>())).WithEventTime(t => t, TimeSpan.FromMilliseconds(25))
                .Apply("Pass", () => new Pass());
            if (windowed) passed.KeyBy(_ => 0).Window(TimeSpan.FromMilliseconds(100)).Count().To(_ => { });
            else passed.To(_ => { });
        });
        return (run, Deployment.SourceOf<long>(run), Deployment.InstanceOf(run, "Pass"));
    }

    private static void Ingest(SourceHost<long> source, params long[] times) => source.Ingest(times, null, times.Length, Time.PhysicalTime.Now(TimeProvider.System));

    [Fact]
    public void A_closing_watermark_goes_ahead_of_the_records_above_it_and_behind_those_at_or_below_it()
    {
        var (run, source, pass) = Deploy(windowed: true);
        Ingest(source, 10, 50, 90);  // watermark 65: the first, it closes nothing
        Ingest(source, 150, 155, 160); // watermark 135 closes [0, 100); none of these records is in it
        Ingest(source, 190, 260);      // watermark 235 closes [100, 200), which holds 190

        var queued = Queued(run, pass);

        Assert.Equal(
        [
            ([10L, 50L, 90L], 65L),
            ([], 135L), ([150L, 155L, 160L], Watermark.None),
            ([190L], 235L), ([260L], Watermark.None),
        ], queued.Select(m => (m.Records, m.Watermark)).ToArray(), new MessageComparer());
    }

    [Fact]
    public void Without_a_window_below_the_watermark_rides_behind_the_batch()
    {
        var (run, source, pass) = Deploy(windowed: false);
        Ingest(source, 10, 50, 90);
        Ingest(source, 150, 155, 160);

        var queued = Queued(run, pass);

        Assert.Equal([([10L, 50L, 90L], 65L), ([150L, 155L, 160L], 135L)], queued.Select(m => (m.Records, m.Watermark)).ToArray(), new MessageComparer());
    }

    private sealed class MessageComparer : IEqualityComparer<(long[] Records, long Watermark)>
    {
        public bool Equals((long[] Records, long Watermark) x, (long[] Records, long Watermark) y) => x.Records.SequenceEqual(y.Records) && x.Watermark == y.Watermark;
        public int GetHashCode((long[] Records, long Watermark) obj) => obj.Watermark.GetHashCode();
    }

    private sealed class Pass : Operator<long, long>
    {
        public override void OnRecords(ReadOnlySpan<long> items, ReadOnlySpan<long> timestamps, IOutput<long> output)
        {
            for (int i = 0; i < items.Length; i++) output.Emit(items[i], timestamps[i]);
        }
    }
}
