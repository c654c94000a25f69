using Cameo.Workloads.Bench;

namespace Cameo.Workloads.Tests;

/// <summary>The bench's OpenTelemetry export collects Cameo's instruments and message traces while it runs.</summary>
public sealed class OtelExportTests
{
    [Fact]
    public async Task An_export_collects_the_latency_histogram_the_gauges_and_message_spans_of_a_run()
    {
        await using var engine = new CameoEngine(new EngineOptions { Workers = 2, MessageTraceInterval = 1 });
        var export = OtelExport.Start();
        engine.AddQuery("observed", TimeSpan.FromMilliseconds(50), q => q
            .From(Source.From(Enumerable.Range(0, 5_000)))
            .Where(i => i % 2 == 0)
            .To(_ => { }));
        await engine.RunAsync().WaitAsync(TimeSpan.FromSeconds(60));
        export.Dispose(); // the last export, while the engine (and so its gauges' queries) still exists

        Assert.Contains("cameo.latency", export.Instruments);
        Assert.Contains("cameo.outputs", export.Instruments);
        Assert.Contains("cameo.queue.depth", export.Instruments);
        Assert.True(export.MetricPoints > 0, $"{export.MetricPoints} metric points");
        Assert.True(export.Spans > 0, $"{export.Spans} spans");
    }

    [Fact]
    public void Each_contender_gets_a_twin_with_export_on_right_after_it()
    {
        var twins = BenchPolicy.WithOtelTwins(BenchPolicy.ParseList("cameo,fifo"));

        Assert.Equal(["cameo", "cameo+otel", "fifo", "fifo+otel"], twins.Select(p => p.Name));
        Assert.Equal([false, true, false, true], twins.Select(p => p.ExportsTelemetry));
        Assert.Equal(twins[0].Policy, twins[1].Policy);
    }
}
