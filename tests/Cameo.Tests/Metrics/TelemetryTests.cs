using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Cameo.Metrics;
using Cameo.Tests.Support;

namespace Cameo.Tests.Metrics;

/// <summary>
/// The instruments of <see cref="CameoTelemetry"/> as a <see cref="MeterListener"/> sees them. Engines
/// without a meter factory share one meter, so each test listens for its own query's tag.
/// </summary>
public class TelemetryTests
{
    [Fact]
    public async Task Latency_and_slack_are_recorded_per_output_in_seconds_and_misses_counted_against_the_target()
    {
        string name = $"latency-{Guid.NewGuid():N}";
        var target = TimeSpan.FromMilliseconds(2);
        var latencies = new ConcurrentBag<double>();
        var slacks = new ConcurrentBag<double>();
        long misses = 0;
        var units = new ConcurrentDictionary<string, string?>();
        using var listener = Listen(name, units,
            onDouble: (instrument, value) => (instrument == "cameo.latency" ? latencies : instrument == "cameo.deadline.slack" ? slacks : null)?.Add(value),
            onLong: (instrument, value) => { if (instrument == "cameo.deadline.misses") Interlocked.Add(ref misses, value); });

        await using var engine = CameoEngine.Create(o => { o.Workers = 2; o.BatchSize = 10; });
        var q = engine.AddQuery(name, target, b => b.From(Source.From(Enumerable.Range(0, 777))).Where(x => x % 7 != 0).To(_ => { }));
        await engine.RunAsync().WaitAsync(Within.Run);

        // One latency and one slack per output (messages carry up to 10 outputs), in seconds.
        Assert.Equal(666, latencies.Count);
        Assert.Equal(666, slacks.Count);
        Assert.Equal("s", units["cameo.latency"]);
        Assert.Equal("s", units["cameo.deadline.slack"]);
        Assert.All(latencies, l => Assert.InRange(l, 0, 10));
        Assert.InRange(latencies.Max(), q.Stats.MaxMs / 1000 * 0.99, q.Stats.MaxMs / 1000 * 1.01 + 1e-6);
        // Slack is the target minus the latency; an output misses when its slack is negative.
        Assert.Equal(target.TotalSeconds * 666, latencies.Sum() + slacks.Sum(), 6);
        Assert.Equal(latencies.Count(l => l > target.TotalSeconds), Interlocked.Read(ref misses));
    }

    [Fact]
    public async Task Queue_depth_and_credits_in_use_are_reported_per_query_while_messages_wait()
    {
        string name = $"gauges-{Guid.NewGuid():N}";
        using var release = new ManualResetEventSlim();
        await using var engine = CameoEngine.Create(o => { o.Workers = 1; o.BatchSize = 1; o.MaxInFlightMessages = 8; });
        var q = engine.AddQuery(name, TimeSpan.FromSeconds(1), b => b.From(Source.From(Enumerable.Range(0, 100))).To(_ => release.Wait()));
        var run = engine.RunAsync();
        try
        {
            // The sink holds the only worker, so messages wait until the query's credits are used up.
            await WaitUntil(() => q.CreditsInUse >= 8);
            var gauges = Observe(name);
            Assert.Equal(q.CreditsInUse, (int)gauges["cameo.credits.in_use"]);
            Assert.InRange(gauges["cameo.credits.in_use"], 8, 9); // a source may send past a full gate once
            Assert.InRange(gauges["cameo.queue.depth"], 7, 9); // all but the message the sink is processing
        }
        finally
        {
            release.Set();
        }
        await run.WaitAsync(Within.Run);
        Assert.Equal(0, q.QueuedMessages);
        Assert.Equal(0, q.CreditsInUse);
    }

    [Fact]
    public async Task Watermark_lag_is_reported_in_seconds_once_the_sinks_have_a_watermark()
    {
        string name = $"lag-{Guid.NewGuid():N}";
        await using var engine = CameoEngine.Create(o => o.Workers = 1);
        var q = engine.AddQuery(name, TimeSpan.FromSeconds(1), b => b
            .From(Source.Generate((i, dueMs) => dueMs - 2_000, eventsPerSecond: 1_000)) // events two seconds old
            .WithEventTime(t => t, maxOutOfOrderness: TimeSpan.Zero)
            .To(_ => { }));
        Assert.Null(q.WatermarkLag);
        engine.Start();
        await WaitUntil(() => q.WatermarkLag is not null);

        double lag = Observe(name)["cameo.watermark.lag"];
        Assert.InRange(lag, 1.9, 10);
        await engine.StopAsync();
        Assert.Null(q.WatermarkLag); // the end of the input: nothing trails
    }

    /// <summary>Every observable instrument of the Cameo meters, for query <paramref name="query"/>.</summary>
    private static Dictionary<string, double> Observe(string query)
    {
        var values = new ConcurrentDictionary<string, double>();
        using var listener = Listen(query, new(), (i, v) => values[i] = v, (i, v) => values[i] = v);
        listener.RecordObservableInstruments();
        return new(values);
    }

    private static MeterListener Listen(string query, ConcurrentDictionary<string, string?> units, Action<string, double> onDouble, Action<string, long> onLong)
    {
        var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name != CameoTelemetry.Name) return;
                units[instrument.Name] = instrument.Unit;
                l.EnableMeasurementEvents(instrument);
            },
        };
        listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => { if (Tagged(tags, query)) onDouble(instrument.Name, value); });
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => { if (Tagged(tags, query)) onLong(instrument.Name, value); });
        listener.SetMeasurementEventCallback<int>((instrument, value, tags, _) => { if (Tagged(tags, query)) onDouble(instrument.Name, value); });
        listener.Start();
        return listener;
    }

    private static bool Tagged(ReadOnlySpan<KeyValuePair<string, object?>> tags, string query)
    {
        foreach (var tag in tags)
            if (tag.Key == "query" && Equals(tag.Value, query)) return true;
        return false;
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + Within.Run;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the condition did not hold in time");
            await Task.Delay(10);
        }
    }
}
