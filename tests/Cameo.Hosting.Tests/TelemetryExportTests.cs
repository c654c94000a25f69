using System.Diagnostics;
using System.Diagnostics.Metrics;
using Cameo.Metrics;
using Cameo.OpenTelemetry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Cameo.Hosting.Tests;

/// <remarks>
/// Runs alone: an OpenTelemetry meter provider listens to every meter named <c>Cameo</c> in the
/// process and merges same-named instruments into one stream, so another test's host disposing its
/// meter mid-run could retire the stream this test reads.
/// </remarks>
[Collection(nameof(TelemetryExportTests))]
public class TelemetryExportTests
{
    [Fact]
    public async Task OpenTelemetry_exports_latency_per_output_in_seconds_and_the_gauges_per_query()
    {
        var exported = new List<MetricSnapshot>();
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddOpenTelemetry().WithMetrics(m => m.AddCameoInstrumentation().AddInMemoryExporter(exported));
        builder.Services.AddCameo(o => { o.Workers = 1; o.BatchSize = 16; })
            .AddQuery("ticks", TimeSpan.FromSeconds(1), q => q
                .From(Source.Generate((i, dueMs) => dueMs, eventsPerSecond: 2_000))
                .WithEventTime(t => t, maxOutOfOrderness: TimeSpan.FromMilliseconds(10))
                .Where(t => t % 2 == 0)
                .To(_ => { }));
        using var host = builder.Build();
        var engine = host.Services.GetRequiredService<CameoEngine>();
        var provider = host.Services.GetRequiredService<MeterProvider>();

        // The engine's meter is the host's: created by its IMeterFactory, with the library's version.
        Assert.Same(host.Services.GetRequiredService<IMeterFactory>(), engine.Telemetry.Meter.Scope);
        Assert.Equal(CameoTelemetry.Version, engine.Telemetry.Meter.Version);

        await host.StartAsync();
        var query = engine.Queries.Single();
        await HostingTests.WaitUntil(() => query.Stats.Outputs > 100 && query.WatermarkLag is not null);
        provider.ForceFlush();
        var running = exported.ToList();
        await host.StopAsync();
        exported.Clear();
        provider.ForceFlush();

        var latency = exported.Single(m => m.Name == "cameo.latency");
        Assert.Equal("s", latency.Unit);
        Assert.Equal(CameoTelemetry.Name, latency.MeterName);
        // (Meters named Cameo of other engines in this process may be collected too: look at this query's.)
        var point = Of("ticks", latency);
        // One measurement per output (not per message), each in seconds: well under the 1 s target.
        Assert.Equal(query.Stats.Outputs, point.GetHistogramCount());
        Assert.InRange(point.GetHistogramSum() / point.GetHistogramCount(), 1e-7, 1.0);
        var slack = Of("ticks", exported.Single(m => m.Name == "cameo.deadline.slack"));
        Assert.Equal(query.Stats.Outputs, slack.GetHistogramCount());
        Assert.InRange(slack.GetHistogramSum() / slack.GetHistogramCount(), 0, 1.0);

        // The gauges reported while the query ran.
        Assert.InRange(Of("ticks", running.Single(m => m.Name == "cameo.queue.depth")).GetGaugeLastValueLong(), 0, 256);
        Assert.InRange(Of("ticks", running.Single(m => m.Name == "cameo.credits.in_use")).GetGaugeLastValueLong(), 0, 256);
        var lag = Of("ticks", running.Single(m => m.Name == "cameo.watermark.lag"));
        Assert.InRange(lag.GetGaugeLastValueDouble(), 0, 5);
        Assert.Equal("s", running.Single(m => m.Name == "cameo.watermark.lag").Unit);
    }

    [Fact]
    public async Task Sampled_messages_are_traced_with_query_operator_and_instance()
    {
        var spans = new List<Activity>();
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddOpenTelemetry().WithTracing(t => t.AddCameoInstrumentation().AddInMemoryExporter(spans));
        builder.Services.AddCameo(o => { o.Workers = 1; o.MessageTraceInterval = 1; o.OperatorChaining = false; })
            .AddQuery("traced", TimeSpan.FromSeconds(1), q => q
                .From(Source.From(Enumerable.Range(0, 100)))
                .Where(x => x % 2 == 0).WithParallelism(2)
                .To(_ => { }));
        using var host = builder.Build();
        await host.StartAsync();
        await host.Services.GetRequiredService<CameoEngine>().Queries.Single().Completion.WaitAsync(TimeSpan.FromSeconds(30));
        await host.StopAsync();
        host.Services.GetRequiredService<TracerProvider>().ForceFlush();

        Activity[] traced;
        lock (spans) traced = [.. spans.Where(a => a.OperationName == "cameo.message")];
        Assert.NotEmpty(traced);
        Assert.All(traced, a => Assert.Equal("traced", a.GetTagItem("query")));
        Assert.Contains(traced, a => Equals(a.GetTagItem("operator"), "Where#1") && Equals(a.GetTagItem("instance"), 1));
        Assert.Contains(traced, a => Equals(a.GetTagItem("operator"), "Sink#2"));
    }

    /// <summary>The point of <paramref name="metric"/> tagged with query <paramref name="query"/>.</summary>
    private static MetricPoint Of(string query, MetricSnapshot metric) => metric.MetricPoints.Single(p => Equals(Tag(p, "query"), query));

    private static object? Tag(MetricPoint point, string key)
    {
        foreach (var tag in point.Tags)
            if (tag.Key == key) return tag.Value;
        return null;
    }
}

/// <summary>Keeps <see cref="TelemetryExportTests"/> from running beside the other hosts of this assembly.</summary>
[CollectionDefinition(nameof(TelemetryExportTests), DisableParallelization = true)]
public sealed class TelemetryExportCollection;
