using System.Runtime.CompilerServices;
using Cameo.Monitoring;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Cameo.Dashboard;

/// <summary>
/// A live dashboard over an <see cref="IDashboardSource"/>: one page (<c>/</c>), the latest snapshot
/// as JSON (<c>/api/snapshot</c>), and a snapshot per refresh interval as server-sent events
/// (<c>/events</c>). One loop takes the snapshots; every request serves the latest one.
/// </summary>
/// <example>
/// <code>
/// await using var dashboard = await DashboardServer.StartAsync(new EngineDashboardSource(engine));
/// Console.WriteLine($"dashboard: {dashboard.Address}");
/// </code>
/// </example>
public sealed class DashboardServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly IDashboardSource _source;
    private readonly DashboardOptions _options;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _loop;
    private readonly ILogger _logger;
    private DashboardSnapshot _latest;
    private TaskCompletionSource _next = NewSignal();

    private DashboardServer(WebApplication app, IDashboardSource source, DashboardOptions options, ILogger logger, DashboardSnapshot first)
    {
        _app = app;
        _source = source;
        _options = options;
        _logger = logger;
        _latest = first;
        _loop = RefreshAsync(_stopping.Token);
    }

    /// <summary>The page's address (with the port actually bound).</summary>
    public Uri Address { get; private set; } = null!;

    /// <summary>The snapshot pages see now.</summary>
    public DashboardSnapshot Latest => Volatile.Read(ref _latest);

    /// <summary>Starts serving <paramref name="source"/> as <paramref name="options"/> say (default: 127.0.0.1:<see cref="DashboardOptions.DefaultPort"/>).</summary>
    /// <exception cref="IOException">The address is in use.</exception>
    public static async Task<DashboardServer> StartAsync(IDashboardSource source, DashboardOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        options ??= new DashboardOptions();
        options.Validate();
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(k => k.Listen(options.Address, options.Port));
        builder.Services.AddRoutingCore();
        var loggers = options.LoggerFactory ?? NullLoggerFactory.Instance;
        builder.Services.AddSingleton(loggers);
        builder.Services.AddSingleton(typeof(ILogger<>), typeof(Logger<>));
        // Open event streams end with the server: a stop does not wait for them.
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(2));
        var app = builder.Build();
        var logger = loggers.CreateLogger("Cameo.Dashboard");
        DashboardSnapshot first;
        try
        {
            first = await source.SnapshotAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            // A cluster that does not answer yet (a silo still starting): the page says so until the next refresh.
            DashboardLog.SnapshotFailed(logger, ex.GetType().Name, ex.Message);
            first = new DashboardSnapshot(DateTimeOffset.UtcNow, $"no snapshot yet ({ex.GetType().Name})", "?", "?", [], []);
        }
        var server = new DashboardServer(app, source, options, logger, first);
        server.Map(app);
        try
        {
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await server.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        string bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.Address = new Uri(bound.Replace("[::]", "localhost", StringComparison.Ordinal) + "/");
        return server;
    }

    private void Map(WebApplication app)
    {
        app.MapGet("/", () => Results.Stream(Page(), "text/html; charset=utf-8"));
        app.MapGet("/api/snapshot", () => TypedResults.Json(Latest, DashboardJson.Options));
        app.MapGet("/events", (HttpContext http) => TypedResults.ServerSentEvents(Stream(http.RequestAborted)));
    }

    private static Stream Page() =>
        typeof(DashboardServer).Assembly.GetManifestResourceStream("Cameo.Dashboard.index.html")
        ?? throw new InvalidOperationException("The dashboard page is missing from the assembly.");

    /// <summary>The latest snapshot at once, then each new one, as JSON text, until the client leaves or the server stops.</summary>
    private async IAsyncEnumerable<string> Stream([EnumeratorCancellation] CancellationToken requestAborted)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(requestAborted, _stopping.Token);
        var token = linked.Token;
        var next = Volatile.Read(ref _next).Task;
        yield return DashboardJson.Write(Latest);
        while (!token.IsCancellationRequested)
        {
            try
            {
                await next.WaitAsync(token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                yield break;
            }
            next = Volatile.Read(ref _next).Task;
            yield return DashboardJson.Write(Latest);
        }
    }

    private async Task RefreshAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(_options.Interval);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                try
                {
                    Volatile.Write(ref _latest, await _source.SnapshotAsync(cancellationToken).ConfigureAwait(false));
                }
                catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
                {
                    // A source that cannot answer now (a cluster call timed out) keeps the last snapshot.
                    DashboardLog.SnapshotFailed(_logger, ex.GetType().Name, ex.Message);
                }
                Interlocked.Exchange(ref _next, NewSignal()).TrySetResult();
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    public async ValueTask DisposeAsync()
    {
        if (_stopping.IsCancellationRequested) return;
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
        _stopping.Dispose();
    }
}

internal static partial class DashboardLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "Dashboard snapshot failed ({Error}: {Message}); showing the previous one.")]
    public static partial void SnapshotFailed(ILogger logger, string error, string message);
}
