using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Reflection;
using System.Runtime.CompilerServices;

namespace Cameo.Metrics;

/// <summary>
/// The instruments Cameo publishes on the <see cref="Meter"/> named <c>Cameo</c>, and the
/// <see cref="ActivitySource"/> of its sampled message traces. Every instrument is tagged with the
/// query's name (<c>query</c>). Durations are in seconds.
/// </summary>
/// <remarks>
/// Hosted (<see cref="EngineOptions.MeterFactory"/> set, as Cameo.Hosting does from dependency
/// injection), the meter comes from the host's <see cref="IMeterFactory"/>, one per factory;
/// otherwise every engine of the process shares <see cref="Shared"/>. OpenTelemetry users add the
/// meter and the source by <see cref="Name"/>. Nothing is allocated per output or per message
/// while no listener is attached.
/// </remarks>
public sealed class CameoTelemetry
{
    /// <summary>The name of the meter and of the activity source.</summary>
    public const string Name = "Cameo";

    /// <summary>The version the meter and the activity source carry: this assembly's.</summary>
    public static string Version { get; } =
        typeof(CameoTelemetry).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0]
        ?? typeof(CameoTelemetry).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";

    /// <summary>The sampled message traces: a span per sampled message an operator instance processes.</summary>
    public static ActivitySource ActivitySource { get; } = new(Name, Version);

    private static readonly ConditionalWeakTable<IMeterFactory, CameoTelemetry> ByFactory = [];

    /// <summary>Histogram buckets for latency, in seconds: 1 ms to 10 s.</summary>
    private static readonly double[] LatencyBuckets = [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10];

    /// <summary>Histogram buckets for slack to the target, in seconds: negative for outputs that missed it.</summary>
    private static readonly double[] SlackBuckets = [-1, -0.1, -0.01, -0.001, 0, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 10];

    private static readonly Lazy<CameoTelemetry> LazyShared = new(() => new CameoTelemetry(new Meter(Name, Version)));

    /// <summary>
    /// The instruments of engines that were given no <see cref="IMeterFactory"/>. Created on first use,
    /// so that a hosted process has only its factory's meter named <c>Cameo</c>.
    /// </summary>
    public static CameoTelemetry Shared => LazyShared.Value;

    private readonly List<QueryHandle> _queries = [];

    private CameoTelemetry(Meter meter)
    {
        Meter = meter;
        Inputs = meter.CreateCounter<long>("cameo.input.events", "{event}", "Events read by sources.");
        Outputs = meter.CreateCounter<long>("cameo.outputs", "{record}", "Records delivered to sinks.");
        Late = meter.CreateCounter<long>("cameo.late.events", "{event}", "Events that arrived after their windows closed.");
        DeadLetters = meter.CreateCounter<long>("cameo.dead.letters", "{record}", "Inputs a source could not read.");
        Misses = meter.CreateCounter<long>("cameo.deadline.misses", "{record}", "Outputs emitted after their query's latency target.");
        Latency = meter.CreateHistogram("cameo.latency", "s", "Latency of each output: its emission minus the arrival of the event that released it.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = LatencyBuckets });
        Slack = meter.CreateHistogram("cameo.deadline.slack", "s", "Time left to the query's latency target when each output was emitted; negative when it missed.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = SlackBuckets });
        meter.CreateObservableGauge("cameo.queue.depth", () => Observe(q => q.QueuedMessages), "{message}",
            "Messages waiting at the query's operator instances.");
        meter.CreateObservableGauge("cameo.credits.in_use", () => Observe(q => q.CreditsInUse), "{message}",
            "Messages the query has in flight (sent and not yet processed), against its MaxInFlightMessages credits.");
        meter.CreateObservableGauge("cameo.watermark.lag", () => Observe(q => q.WatermarkLag?.TotalSeconds), "s",
            "How far the query's sinks' event-time watermark trails the current time.");
    }

    /// <summary>The instruments on <paramref name="factory"/>'s <c>Cameo</c> meter (one set per factory), or <see cref="Shared"/> without one.</summary>
    public static CameoTelemetry For(IMeterFactory? factory) =>
        factory is null ? Shared : ByFactory.GetValue(factory, f => new CameoTelemetry(f.Create(new MeterOptions(Name) { Version = Version })));

    /// <summary>The meter the instruments are on.</summary>
    public Meter Meter { get; }

    internal Counter<long> Inputs { get; }
    internal Counter<long> Outputs { get; }
    internal Counter<long> Late { get; }
    internal Counter<long> DeadLetters { get; }
    internal Counter<long> Misses { get; }
    internal Histogram<double> Latency { get; }
    internal Histogram<double> Slack { get; }

    /// <summary>Adds a query to those the gauges observe.</summary>
    internal void Track(QueryHandle query)
    {
        lock (_queries) _queries.Add(query);
    }

    /// <summary>Removes a query from those the gauges observe (its engine was disposed).</summary>
    internal void Untrack(QueryHandle query)
    {
        lock (_queries) _queries.Remove(query);
    }

    private Measurement<T>[] Observe<T>(Func<QueryHandle, T?> read) where T : struct
    {
        QueryHandle[] queries;
        lock (_queries) queries = [.. _queries];
        var measurements = new List<Measurement<T>>(queries.Length);
        foreach (var q in queries)
            if (read(q) is { } value) measurements.Add(new Measurement<T>(value, new KeyValuePair<string, object?>("query", q.Name)));
        return [.. measurements];
    }
}
