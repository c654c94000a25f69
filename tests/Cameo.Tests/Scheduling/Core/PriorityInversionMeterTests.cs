using Cameo.Scheduling.Core;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Cameo.Tests.Scheduling.Core;

/// <summary>
/// Priority inversion as the meter measures it, on two workers with made-up timestamps (one tick a
/// microsecond, so the expected values are in microseconds).
/// </summary>
public class PriorityInversionMeterTests
{
    private const long Frequency = 1_000_000;

    private static double Ms(long micros) => micros / 1000.0;

    [Fact]
    public void A_message_counts_the_time_a_lower_ranked_message_ran_while_it_waited()
    {
        var meter = new PriorityInversionMeter(2, Frequency);
        meter.Started(worker: 0, rank: 100, servedRank: 100, enqueuedAt: 0, now: 0); // bulk on worker 0 from 0
        meter.Finished(0, 5_000);
        // An urgent message enqueued at 1 000 starts at 5 000: it waited 4 000 behind the bulk message.
        meter.Started(worker: 0, rank: 10, servedRank: 10, enqueuedAt: 1_000, now: 5_000);
        meter.Finished(0, 5_100);

        var inversion = meter.Snapshot();
        Assert.Equal(2, inversion.Messages);
        Assert.Equal(Ms(4_000), inversion.MaxMs, 2);
    }

    [Fact]
    public void Only_lower_ranked_work_counts_and_overlaps_count_once()
    {
        var meter = new PriorityInversionMeter(2, Frequency);
        meter.Started(0, rank: 50, servedRank: 50, enqueuedAt: 0, now: 0);    // worker 0: rank 50 on [0, 3 000)
        meter.Finished(0, 3_000);
        meter.Started(0, rank: 5, servedRank: 5, enqueuedAt: 0, now: 3_000);  // worker 0: rank 5 on [3 000, 6 000): more urgent, not inversion
        meter.Finished(0, 6_000);
        meter.Started(1, rank: 70, servedRank: 70, enqueuedAt: 0, now: 2_000); // worker 1: rank 70 from 2 000, still running
        meter.Reset(); // forget the set-up messages' own measurements

        // Rank 20, enqueued at 1 000, starts on worker 0 at 8 000. Lower-ranked work during
        // [1 000, 8 000): rank 50 on [1 000, 3 000) and rank 70 on [2 000, 8 000); their union is 7 000.
        meter.Started(0, rank: 20, servedRank: 20, enqueuedAt: 1_000, now: 8_000);
        var inversion = meter.Snapshot();
        Assert.Equal(1, inversion.Messages);
        Assert.Equal(Ms(7_000), inversion.MaxMs, 1);

        // Rank 60 waited over the same stretch: only the rank-70 message ran below it.
        meter.Finished(0, 8_500);
        meter.Reset();
        meter.Started(0, rank: 60, servedRank: 60, enqueuedAt: 1_000, now: 8_500);
        Assert.Equal(Ms(6_500), meter.Snapshot().MaxMs, 1);
    }

    [Fact]
    public void A_message_that_did_not_wait_has_no_inversion_and_a_reset_forgets()
    {
        var meter = new PriorityInversionMeter(2, Frequency);
        meter.Started(1, rank: 90, servedRank: 90, enqueuedAt: 0, now: 0);
        meter.Started(0, rank: 10, servedRank: 10, enqueuedAt: 500, now: 500);
        var inversion = meter.Snapshot();
        Assert.Equal(2, inversion.Messages);
        Assert.Equal(0, inversion.MaxMs);

        meter.Reset();
        Assert.Equal(Cameo.Metrics.PriorityInversion.None, meter.Snapshot());
    }

    [Fact]
    public void A_wait_longer_than_the_history_is_measured_over_the_history()
    {
        var meter = new PriorityInversionMeter(1, Frequency);
        for (int i = 0; i < PriorityInversionMeter.History * 2; i++)
        {
            meter.Started(0, rank: 100, servedRank: 100, enqueuedAt: i * 10, now: i * 10);
            meter.Finished(0, i * 10 + 10);
        }
        meter.Reset();
        meter.Started(0, rank: 1, servedRank: 1, enqueuedAt: 0, now: PriorityInversionMeter.History * 20);
        Assert.Equal(Ms(PriorityInversionMeter.History * 10), meter.Snapshot().MaxMs, 1);
    }

    /// <summary>One message a worker ran: idle for <c>Gap</c>, then busy for <c>Length</c>, at <c>Rank</c>.</summary>
    public readonly record struct Run(int Gap, int Length, int Rank);

    private static readonly Gen<Run> Runs =
        from gap in Gen.Choose(0, 5)
        from length in Gen.Choose(1, 6)
        from rank in Gen.Choose(0, 9)
        select new Run(gap, length, rank);

    private static readonly Gen<Run[][]> Workers =
        Gen.ArrayOf(from count in Gen.Choose(0, 12) from runs in Gen.ArrayOf(Runs, count) select runs, 3);

    [Property(MaxTest = 300)]
    public Property Inversion_is_the_time_some_worker_ran_lower_ranked_work_during_the_wait() =>
        Prop.ForAll(Workers.ToArbitrary(), Gen.Choose(0, 9).ToArbitrary(), Gen.Choose(0, 60).ToArbitrary(), (workers, rank, enqueuedAt) =>
        {
            var meter = new PriorityInversionMeter(workers.Length + 1, Frequency);
            var busy = new List<(long Start, long End, long Rank)>();
            long end = 0;
            for (int w = 0; w < workers.Length; w++)
            {
                long t = 0;
                foreach (var run in workers[w])
                {
                    t += run.Gap;
                    meter.Started(w, run.Rank, run.Rank, enqueuedAt: t, now: t);
                    meter.Finished(w, t + run.Length);
                    busy.Add((t, t + run.Length, run.Rank));
                    t += run.Length;
                }
                end = Math.Max(end, t);
            }
            meter.Reset();
            long start = Math.Max(end, enqueuedAt);

            // Brute force, one tick at a time: was any worker running something ranked lower?
            long expected = 0;
            for (long t = enqueuedAt; t < start; t++)
                if (busy.Exists(b => b.Start <= t && t < b.End && b.Rank > rank)) expected++;

            meter.Started(workers.Length, rank, rank, enqueuedAt, start); // an idle worker starts the message
            var inversion = meter.Snapshot();
            Assert.Equal(1, inversion.Messages);
            Assert.Equal(expected, (long)Math.Round(inversion.MaxMs * 1000));
        });
}
