using Cameo;
using Cameo.Hosting;
using Cameo.OpenTelemetry;
using HostedQueries;
using OpenTelemetry;
using OpenTelemetry.Metrics;

var builder = WebApplication.CreateBuilder(args);

// The engine (options from the "Cameo" section of appsettings.json, then this delegate) and its queries.
builder.Services.AddSingleton<LatestCounts>();
builder.Services.AddCameo(o => o.MessageTraceInterval = 100)
    .AddQuery("slow-requests", TimeSpan.FromMilliseconds(20), q => q
        .From(Source.Generate((i, dueMs) => new Request($"/api/{i % 5}", dueMs, i % 97), eventsPerSecond: 2_000))
        .Where(r => r.DurationMs > 90)
        .To(_ => { }))
    .AddQuery<RequestsPerEndpoint>();

// Cameo's meter for Prometheus (GET /metrics); over OTLP too, with traces, when an endpoint is configured.
var telemetry = builder.Services.AddOpenTelemetry()
    .WithMetrics(m => m.AddCameoInstrumentation().AddPrometheusExporter())
    .WithTracing(t => t.AddCameoInstrumentation());
if (builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"] is not null) telemetry.UseOtlpExporter();

var app = builder.Build();
app.MapPrometheusScrapingEndpoint();
app.MapGet("/counts", (LatestCounts latest) => latest.Snapshot());
app.Run();
