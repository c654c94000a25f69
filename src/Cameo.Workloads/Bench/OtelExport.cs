using System.Diagnostics;
using Cameo.OpenTelemetry;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Cameo.Workloads.Bench;

/// <summary>
/// OpenTelemetry export inside this process, to measure what it costs: the SDK collects Cameo's meter
/// (<see cref="CameoInstrumentationExtensions.AddCameoInstrumentation(MeterProviderBuilder)"/>) and its
/// sampled message traces as an application exporting them would, and an in-memory exporter copies
/// every metric point each <see cref="ExportInterval"/> and keeps every finished span. Started before a
/// benchmark run and disposed after it (a final export included), so only that run is observed.
/// </summary>
public sealed class OtelExport : IDisposable
{
    /// <summary>What a contender's name gets when its runs export (<c>cameo+otel</c>).</summary>
    public const string Suffix = "+otel";

    /// <summary>How often the metrics are read and exported: shorter than a typical scrape or OTLP interval, so the cost shows.</summary>
    public static readonly TimeSpan ExportInterval = TimeSpan.FromSeconds(1);

    private readonly List<MetricSnapshot> _points = [];
    private readonly List<Activity> _spans = [];
    private readonly MeterProvider _meters;
    private readonly TracerProvider _traces;

    private OtelExport()
    {
        _meters = Sdk.CreateMeterProviderBuilder()
            .AddCameoInstrumentation()
            .AddInMemoryExporter(_points, o => o.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = (int)ExportInterval.TotalMilliseconds)
            .Build();
        _traces = Sdk.CreateTracerProviderBuilder()
            .AddCameoInstrumentation()
            .AddInMemoryExporter(_spans)
            .Build();
    }

    /// <summary>Starts collecting and exporting.</summary>
    public static OtelExport Start() => new();

    /// <summary>After <see cref="Dispose"/>: the names of the instruments whose points were exported.</summary>
    public IReadOnlySet<string> Instruments { get; private set; } = new HashSet<string>();

    /// <summary>After <see cref="Dispose"/>: metric points exported (one per instrument and tag set per export).</summary>
    public long MetricPoints { get; private set; }

    /// <summary>After <see cref="Dispose"/>: spans exported.</summary>
    public int Spans { get; private set; }

    /// <summary>Exports what is left, stops listening, counts what was exported and lets it go.</summary>
    public void Dispose()
    {
        _meters.Dispose();
        _traces.Dispose();
        Instruments = _points.Select(p => p.Name).ToHashSet();
        MetricPoints = _points.Sum(p => (long)p.MetricPoints.Count);
        Spans = _spans.Count;
        _points.Clear();
        _spans.Clear();
    }
}
