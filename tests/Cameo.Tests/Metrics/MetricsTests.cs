using System.Diagnostics.Metrics;
using Cameo.Metrics;
using Cameo.Runtime;
using Cameo.Scheduling;
using Cameo.Tests.Support;
using Cameo.Time;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Microsoft.Extensions.Time.Testing;

namespace Cameo.Tests.Metrics;

/// <summary>Latency is emission time minus the arrival of the output's frontier event; the rest follows from it.</summary>
public class MetricsTests
{
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void A_stateless_output_is_measured_from_its_own_events_arrival_and_a_window_result_from_the_event_that_closed_it()
    {
        var clock = new FakeTimeProvider(Start);
        var runtime = new EmbeddedRuntime(SchedulingPolicies.Cameo, 1, TimeSpan.FromHours(1));
        var flat = Deployment.Deploy(runtime, 0, "flat", TimeSpan.FromMilliseconds(5), clock, b => b
            .From(Source.From(Array.Empty<long>())).WithEventTime(t => t, TimeSpan.Zero).Where(_ => true).To(_ => { }));
        var win = Deployment.Deploy(runtime, 1, "win", TimeSpan.FromMilliseconds(5), clock, b => b
            .From(Source.From(Array.Empty<long>())).WithEventTime(t => t, TimeSpan.Zero)
            .KeyBy(_ => 0).Window(TimeSpan.FromMilliseconds(100)).Count().To(_ => { }));
        long t0 = PhysicalTime.Now(clock);
        long e0 = PhysicalTime.ToEventTime(t0);
        void IngestAt(QueryRun run, long eventTime)
        {
            long now = PhysicalTime.Now(clock);
            Deployment.SourceOf<long>(run).Ingest([eventTime], null, 1, now);
        }

        // A stateless record processed 7 ms after it arrived.
        IngestAt(flat, e0);
        clock.Advance(TimeSpan.FromMilliseconds(7));
        runtime.RunUntilIdle();
        Assert.Equal(7.0, flat.Context.Metrics.Snapshot().P50Ms, 2);

        // Window records arrive at 0 and 40 ms; the window [e0, e0+100) closes when an event stamped
        // e0+100 arrives at 250 ms; its result is emitted 3 ms later. Latency: 3 ms, not 253.
        IngestAt(win, e0 + 10);
        runtime.RunUntilIdle();
        clock.Advance(TimeSpan.FromMilliseconds(40));
        IngestAt(win, e0 + 60);
        runtime.RunUntilIdle();
        clock.Advance(TimeSpan.FromMilliseconds(210));
        IngestAt(win, e0 + 100);
        clock.Advance(TimeSpan.FromMilliseconds(3));
        runtime.RunUntilIdle();
        var stats = win.Context.Metrics.Snapshot();
        Assert.Equal(1, stats.Outputs);
        Assert.Equal(3.0, stats.MaxMs, 2);
        Assert.Equal(1.0, stats.SlaAttainment); // 3 ms is within the 5 ms target
        Assert.Equal(0.0, flat.Context.Metrics.Snapshot().SlaAttainment); // 7 ms is not
    }

    [Property(MaxTest = 40)]
    public Property Sla_attainment_is_the_fraction_of_outputs_within_target_and_agrees_with_the_histogram() =>
        Prop.ForAll((
            from latencies in Gen.NonEmptyListOf(Gen.Choose(1, 400_000))   // microseconds
            from targetMs in Gen.Choose(1, 300)
            select (Latencies: latencies.ToArray(), TargetMs: targetMs)).ToArbitrary(), c =>
        {
            var clock = new FakeTimeProvider(Start);
            var metrics = new QueryMetrics("sla", TimeSpan.FromMilliseconds(c.TargetMs), clock);
            long now = PhysicalTime.Now(clock);
            foreach (int micros in c.Latencies) metrics.RecordOutputs(1, now - micros * 10L, now);
            var stats = metrics.Snapshot();

            double within = c.Latencies.Count(us => us <= c.TargetMs * 1000) / (double)c.Latencies.Length;
            Assert.Equal(within, stats.SlaAttainment, 12);
            Assert.InRange(stats.SlaAttainment, 0, 1);
            Assert.Equal(c.Latencies.Length, stats.Outputs);
            var sorted = c.Latencies.Order().ToArray();
            double median = sorted[(int)Math.Ceiling(0.5 * sorted.Length) - 1] / 1000.0;
            Assert.InRange(stats.P50Ms, median, median * 1.001 + 0.001);   // HdrHistogram keeps 3 significant digits
            Assert.InRange(stats.MaxMs, sorted[^1] / 1000.0, sorted[^1] / 1000.0 * 1.001 + 0.001);
            if (stats.P99Ms <= c.TargetMs) Assert.True(stats.SlaAttainment >= 0.99);
            if (stats.P50Ms > c.TargetMs * 1.001 + 0.001) Assert.True(stats.SlaAttainment < 0.5 + 1e-9);
            Assert.Equal(stats.Outputs, stats.Timeline.Sum(p => p.Outputs));
            var cdf = metrics.Cdf();
            Assert.Equal(1.0, cdf[^1].Fraction);
            Assert.Equal(stats.MaxMs, cdf[^1].LatencyMs);
        });

    [Fact]
    public async Task With_a_paced_generator_window_results_wait_for_their_closing_event_not_for_the_whole_window()
    {
        const int windowMs = 1_000;
        await using var engine = CameoEngine.Create(o => o.Workers = 2);
        var windows = engine.AddQuery("windows", TimeSpan.FromMilliseconds(100), b => b
            .From(Source.Generate((i, dueMs) => (Key: (int)(i % 3), Time: dueMs), eventsPerSecond: 1_000, count: 2_500))
            .WithEventTime(e => e.Time, TimeSpan.Zero)
            .KeyBy(e => e.Key).Window(TimeSpan.FromMilliseconds(windowMs)).Count().To(_ => { }));
        var flat = engine.AddQuery("flat", TimeSpan.FromMilliseconds(100), b => b
            .From(Source.Generate((i, dueMs) => i, eventsPerSecond: 1_000, count: 2_500))
            .Where(x => x % 2 == 0).To(_ => { }));
        await engine.RunAsync().WaitAsync(Within.Run);

        var w = windows.Stats;
        Assert.True(w.Outputs >= 6, $"{w.Outputs} window results"); // 3 keys x at least 2 full windows, plus the last flushed
        // Measured from the window's first event, a full window's result would be at least ~1 s late.
        Assert.True(w.P50Ms < windowMs / 2.0, $"window results' median latency {w.P50Ms} ms");
        var f = flat.Stats;
        Assert.Equal(1_250, f.Outputs);
        Assert.True(f.P50Ms > 0);
        Assert.InRange(f.SlaAttainment, 0, 1);
        Assert.InRange(w.SlaAttainment, 0, 1);
        Assert.True(f.InputEventsPerSecond > 0);
    }

    [Fact]
    public async Task The_Cameo_meter_publishes_outputs_per_query()
    {
        string name = $"meter-{Guid.NewGuid():N}";
        long outputs = 0;
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == QueryMetrics.MeterName && instrument.Name == "cameo.outputs") l.EnableMeasurementEvents(instrument);
            },
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            foreach (var tag in tags)
                if (tag.Key == "query" && Equals(tag.Value, name)) Interlocked.Add(ref outputs, value);
        });
        listener.Start();

        await using var engine = CameoEngine.Create(o => { o.Workers = 2; o.BatchSize = 10; });
        var q = engine.AddQuery(name, TimeSpan.FromMilliseconds(100), b => b.From(Source.From(Enumerable.Range(0, 777))).Where(x => x % 7 != 0).To(_ => { }));
        await engine.RunAsync().WaitAsync(Within.Run);

        Assert.Equal(666, Interlocked.Read(ref outputs));
        Assert.Equal(666, q.Stats.Outputs);
    }

    [Fact]
    public void Dead_letters_are_all_counted_and_the_latest_kept_as_samples_with_long_inputs_cut()
    {
        var metrics = new QueryMetrics("q", TimeSpan.FromSeconds(1), new FakeTimeProvider(Start), deadLetterSamples: 10);
        for (int i = 1; i <= 25; i++) metrics.RecordDeadLetter(new Operators.DeadLetter("src", i, new string('x', i == 25 ? 100_000 : 3), "bad"));

        Assert.Equal(25, metrics.DeadLetterCount);
        Assert.Equal(25, metrics.Snapshot().DeadLetters);
        Assert.Equal(Enumerable.Range(16, 10).Select(i => (long)i), metrics.DeadLetters.Select(d => d.LineNumber));
        var longest = metrics.DeadLetters.Last().Input;
        Assert.StartsWith(new string('x', QueryMetrics.MaxDeadLetterInputLength), longest);
        Assert.EndsWith("(100000 characters)", longest);
        Assert.True(longest.Length < QueryMetrics.MaxDeadLetterInputLength + 40);
    }

    [Fact]
    public void The_latency_timeline_keeps_a_bounded_number_of_seconds_and_allocates_no_histogram_per_second()
    {
        var clock = new FakeTimeProvider(Start);
        var metrics = new QueryMetrics("q", TimeSpan.FromSeconds(1), clock, timelineSeconds: 5);
        long arrival = PhysicalTime.Now(clock);
        metrics.RecordOutputs(1, arrival, PhysicalTime.Now(clock)); // warm
        clock.Advance(TimeSpan.FromSeconds(1));
        long allocated = GC.GetAllocatedBytesForCurrentThread();
        for (int s = 1; s < 200; s++)
        {
            metrics.RecordOutputs(2, PhysicalTime.Now(clock) - TimeSpan.TicksPerMillisecond * s, PhysicalTime.Now(clock));
            clock.Advance(TimeSpan.FromSeconds(1));
        }
        allocated = GC.GetAllocatedBytesForCurrentThread() - allocated;
        // A histogram of the timeline's range is about 180 KB: one per second would be some 35 MB here.
        Assert.True(allocated < 1024 * 1024, $"{allocated} bytes allocated for 199 seconds of timeline");

        var timeline = metrics.Snapshot().Timeline;
        Assert.Equal(Enumerable.Range(195, 5).Select(s => (long)s), timeline.Select(p => p.Second));
        Assert.All(timeline, p => Assert.Equal(2, p.Outputs));
        Assert.Equal(199.0, timeline[^1].MaxMs, precision: 0);
    }
}
