using Cameo.Metrics;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Cameo.OpenTelemetry;

/// <summary>Exports Cameo's telemetry (<see cref="CameoTelemetry"/>) through OpenTelemetry.</summary>
public static class CameoInstrumentationExtensions
{
    /// <summary>
    /// Collects the <c>Cameo</c> meter: <c>cameo.latency</c> and <c>cameo.deadline.slack</c> (histograms,
    /// seconds, per output), <c>cameo.deadline.misses</c>, <c>cameo.outputs</c>, <c>cameo.input.events</c>,
    /// <c>cameo.late.events</c>, <c>cameo.dead.letters</c> (counters), and the gauges
    /// <c>cameo.queue.depth</c>, <c>cameo.credits.in_use</c>, <c>cameo.watermark.lag</c>; each tagged <c>query</c>.
    /// </summary>
    public static MeterProviderBuilder AddCameoInstrumentation(this MeterProviderBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.AddMeter(CameoTelemetry.Name);
    }

    /// <summary>
    /// Collects the <c>Cameo</c> activity source: a <c>cameo.message</c> span for one message in
    /// <see cref="EngineOptions.MessageTraceInterval"/> of each operator instance, tagged <c>query</c>,
    /// <c>operator</c>, <c>instance</c>, <c>records</c> and <c>kind</c>.
    /// </summary>
    public static TracerProviderBuilder AddCameoInstrumentation(this TracerProviderBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.AddSource(CameoTelemetry.Name);
    }
}
