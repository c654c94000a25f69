using System.Net.Http.Json;
using Cameo.Monitoring;
using Microsoft.Playwright;

namespace Cameo.Dashboard.Tests;

/// <summary>
/// The dashboard end to end: an engine runs two queries, the dashboard serves them, and a real
/// Chromium opens the page and watches it update.
/// </summary>
public sealed class DashboardBrowserTests : IAsyncLifetime
{
    private CameoEngine _engine = null!;
    private DashboardServer _dashboard = null!;

    public async Task InitializeAsync()
    {
        _engine = new CameoEngine(new EngineOptions { Workers = 2 });
        _engine.AddQuery("alerts", TimeSpan.FromMilliseconds(20), q => q
            .From(Source.Generate((i, dueMs) => i, eventsPerSecond: 2_000))
            .Where(i => i % 3 == 0)
            .To(Sink.Call<long>(_ => { })));
        _engine.AddQuery("per-key-counts", TimeSpan.FromMilliseconds(500), q => q
            .From(Source.Generate((i, dueMs) => (Key: i % 4, TimeMs: dueMs), eventsPerSecond: 2_000))
            .WithEventTime(e => e.TimeMs, TimeSpan.FromMilliseconds(20))
            .KeyBy(e => e.Key)
            .Window(TimeSpan.FromMilliseconds(100))
            .Count()
            .To(Sink.Call<Operators.WindowResult<long, long>>(_ => { })));
        _engine.Start();
        _dashboard = await DashboardServer.StartAsync(new EngineDashboardSource(_engine),
            new DashboardOptions { Port = 0, Interval = TimeSpan.FromMilliseconds(250) });
    }

    public async Task DisposeAsync()
    {
        await _dashboard.DisposeAsync();
        await _engine.StopAsync(TimeSpan.FromSeconds(2));
        await _engine.DisposeAsync();
    }

    [Fact]
    public async Task The_page_shows_every_query_with_its_target_and_a_live_p99()
    {
        await using var browser = await Browser.LaunchAsync();
        var page = await browser.Context.NewPageAsync();
        await page.GotoAsync(_dashboard.Address.ToString());

        var alerts = page.Locator("[data-query='alerts']");
        var counts = page.Locator("[data-query='per-key-counts']");
        await Assertions.Expect(alerts.Locator(".name")).ToHaveTextAsync("alerts");
        await Assertions.Expect(alerts.Locator(".target")).ToHaveTextAsync("20.0 ms");
        await Assertions.Expect(counts.Locator(".name")).ToHaveTextAsync("per-key-counts");
        await Assertions.Expect(counts.Locator(".target")).ToHaveTextAsync("500 ms");
        await Assertions.Expect(alerts.Locator(".policy")).ToHaveTextAsync("cameo");
        await Assertions.Expect(page.Locator("#connection")).ToHaveTextAsync("live");
        await Assertions.Expect(page.Locator("[data-worker='worker 1']")).ToHaveCountAsync(1);

        // A latency value on the page changes as new snapshots arrive.
        var p99 = counts.Locator(".p99");
        await Assertions.Expect(p99).ToHaveTextAsync(new System.Text.RegularExpressions.Regex(@"^[0-9.]+ ms$"), new() { Timeout = 15_000 });
        string first = await p99.InnerTextAsync();
        await Assertions.Expect(p99).Not.ToHaveTextAsync(first, new() { Timeout = 15_000 });
        Assert.Matches(@"^[0-9.]+ ms$", await p99.InnerTextAsync());
        await Assertions.Expect(alerts.Locator(".queue")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex(@"^[0-9,]+$"));
        await Assertions.Expect(page.Locator("#queue-note")).ToHaveTextAsync("");
    }

    [Fact]
    public async Task The_page_shows_the_messages_queued_behind_a_stuck_sink()
    {
        // A sink that blocks on its first record holds its worker; the source's next messages wait
        // in the mailbox of the sink's instance, up to the query's credits.
        using var release = new ManualResetEventSlim();
        await using var engine = new CameoEngine(new EngineOptions { Workers = 2, MaxInFlightMessages = 8, BatchSize = 1 });
        var stuck = engine.AddQuery("stuck", TimeSpan.FromMilliseconds(20), q => q
            .From(Source.Generate((i, dueMs) => i, eventsPerSecond: 1_000))
            .To(Sink.Call<long>(_ => release.Wait())));
        engine.Start();
        try
        {
            await using var dashboard = await DashboardServer.StartAsync(new EngineDashboardSource(engine),
                new DashboardOptions { Port = 0, Interval = TimeSpan.FromMilliseconds(250) });
            await using var browser = await Browser.LaunchAsync();
            var page = await browser.Context.NewPageAsync();
            await page.GotoAsync(dashboard.Address.ToString());

            // Every credit but the one of the message the sink is stuck on is a queued message.
            await Assertions.Expect(page.Locator("[data-query='stuck'] .queue")).ToHaveTextAsync("7", new() { Timeout = 15_000 });
            Assert.Equal(7, stuck.QueuedMessages);
        }
        finally
        {
            release.Set();
            await engine.StopAsync(TimeSpan.FromSeconds(2));
        }
    }

    [Fact]
    public async Task The_event_stream_delivers_snapshots_to_the_browser()
    {
        await using var browser = await Browser.LaunchAsync();
        var page = await browser.Context.NewPageAsync();
        await page.GotoAsync(_dashboard.Address.ToString());
        // Three events from a stream of the page's own: each a JSON snapshot with both queries, taken at increasing times.
        var received = await page.EvaluateAsync<string[]>(@"() => new Promise((resolve, reject) => {
            const events = new EventSource('events'), got = [];
            events.onmessage = e => { got.push(e.data); if (got.length === 3) { events.close(); resolve(got); } };
            setTimeout(() => reject(new Error('only ' + got.length + ' events in 10 s')), 10000);
        })");
        var snapshots = received.Select(json => DashboardJson.Read(json)!).ToList();
        Assert.All(snapshots, s => Assert.Equal(["alerts", "per-key-counts"], s.Queries.Select(q => q.Name)));
        Assert.True(snapshots[0].At < snapshots[1].At && snapshots[1].At < snapshots[2].At, string.Join(", ", snapshots.Select(s => s.At.ToString("O"))));
    }

    [Fact]
    public async Task The_snapshot_endpoint_reports_each_query_and_worker()
    {
        using var http = new HttpClient { BaseAddress = _dashboard.Address };
        DashboardSnapshot? snapshot = null;
        for (int i = 0; i < 100 && snapshot?.Queries.All(q => q.Outputs > 0) != true; i++)
        {
            await Task.Delay(100);
            snapshot = await http.GetFromJsonAsync<DashboardSnapshot>("api/snapshot", DashboardJson.Options);
        }
        Assert.NotNull(snapshot);
        Assert.Equal("embedded", snapshot.Runtime);
        Assert.Equal(["alerts", "per-key-counts"], snapshot.Queries.Select(q => q.Name));
        Assert.Equal([20.0, 500.0], snapshot.Queries.Select(q => q.TargetMs));
        Assert.All(snapshot.Queries, q => Assert.True(q.Outputs > 0 && q.P99Ms > 0 && q.Timeline.Count > 0, $"{q.Name}: {q.Outputs} outputs, p99 {q.P99Ms}"));
        Assert.Equal(["worker 0", "worker 1"], snapshot.Workers.Select(w => w.Name));
        Assert.All(snapshot.Workers, w => Assert.InRange(w.Utilization, 0, 1));
    }
}
