using Cameo.Dataflow;
using Cameo.Runtime;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Cameo.Hosting.Tests;

public class HostingTests
{
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(30);

    /// <summary>Counts what passes through a query; a singleton the query classes below take by injection.</summary>
    public sealed class Tally
    {
        private long _read, _counted;

        public long Read => Interlocked.Read(ref _read);
        public long Counted => Interlocked.Read(ref _counted);

        public long Saw(long x)
        {
            Interlocked.Increment(ref _read);
            return x;
        }

        public void Add(long count) => Interlocked.Add(ref _counted, count);
    }

    /// <summary>A query class with a dependency: counts an endless stream in 100 ms windows.</summary>
    public sealed class WindowedCounts(Tally tally) : ICameoQuery
    {
        public string Name => "windowed-counts";

        public TimeSpan LatencyTarget => TimeSpan.FromMilliseconds(500);

        public void Define(QueryBuilder query) => query
            .From(Source.Generate((i, dueMs) => dueMs, eventsPerSecond: 5_000))
            .WithEventTime(t => t, maxOutOfOrderness: TimeSpan.Zero)
            .Select(tally.Saw)
            .KeyBy(t => t % 3)
            .Window(TimeSpan.FromMilliseconds(100))
            .Count()
            .To(r => tally.Add(r.Value));
    }

    [Fact]
    public async Task Queries_registered_through_DI_run_with_the_host_and_drain_when_it_stops()
    {
        long evens = 0;
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddSingleton<Tally>();
        builder.Services.AddCameo(o => { o.Workers = 2; o.DrainTimeout = TimeSpan.FromSeconds(10); })
            .AddQuery("evens", TimeSpan.FromMilliseconds(100), q => q
                .From(Source.Generate((i, _) => i, eventsPerSecond: 2_000))
                .Where(i => i % 2 == 0)
                .To(_ => Interlocked.Increment(ref evens)))
            .AddQuery<WindowedCounts>();
        using var host = builder.Build();
        var engine = host.Services.GetRequiredService<CameoEngine>();
        var tally = host.Services.GetRequiredService<Tally>();

        await host.StartAsync();
        Assert.Equal(["evens", "windowed-counts"], engine.Queries.Select(q => q.Name));
        await WaitUntil(() => Interlocked.Read(ref evens) > 100 && tally.Counted > 0);
        await host.StopAsync();

        // Stopping the host stopped the sources and drained: every query completed, and every event the
        // windowed query read was counted in a window (the open windows flushed).
        Assert.All(engine.Queries, q => Assert.True(q.Completion.IsCompletedSuccessfully, $"{q.Name}: {q.Completion.Status}"));
        Assert.Equal(tally.Read, tally.Counted);
        long after = Interlocked.Read(ref evens);
        await Task.Delay(200);
        Assert.Equal(after, Interlocked.Read(ref evens));
    }

    [Fact]
    public async Task Invalid_options_fail_the_host_at_start_naming_the_problem()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration["Cameo:Workers"] = "0";
        builder.Services.AddCameo(o => o.MaxInFlightMessages = 0);
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
        Assert.Contains("Cameo: Workers must be at least 1 (was 0).", error.Failures);
        Assert.Contains(error.Failures, f => f.StartsWith("Cameo: MaxInFlightMessages must be at least 1", StringComparison.Ordinal));
    }

    [Fact]
    public void Options_are_bound_from_the_Cameo_section_then_configured_by_code()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration["Cameo:Workers"] = "3";
        builder.Configuration["Cameo:Policy"] = "edf";
        builder.Configuration["Cameo:Quantum"] = "00:00:00.005";
        builder.Configuration["Cameo:BatchSize"] = "64";
        builder.Services.AddCameo(o => o.BatchSize = 32);
        using var host = builder.Build();

        var engine = host.Services.GetRequiredService<CameoEngine>();
        var options = host.Services.GetRequiredService<IOptions<EngineOptions>>().Value;
        Assert.Equal("edf", engine.Policy.Name);
        Assert.Equal(3, engine.Workers);
        Assert.Equal(TimeSpan.FromMilliseconds(5), options.Quantum);
        Assert.Equal(32, options.BatchSize);
    }

    [Fact]
    public async Task An_unknown_policy_name_fails_the_host_at_start_naming_the_known_ones()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration["Cameo:Policy"] = "fastest";
        builder.Services.AddCameo();
        using var host = builder.Build();

        var error = await Assert.ThrowsAnyAsync<InvalidOperationException>(() => host.StartAsync());
        Assert.Contains("Unknown scheduling policy 'fastest'", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_query_that_cannot_run_fails_the_host_at_start()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddCameo().AddQuery("no-sink", TimeSpan.FromSeconds(1), q => q.From(Source.From([1, 2, 3])).Where(x => x > 1));
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<QueryDefinitionException>(() => host.StartAsync());
        Assert.Contains("no-sink", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_failing_query_is_logged_and_leaves_the_host_and_the_other_queries_running()
    {
        long ok = 0;
        var builder = Host.CreateApplicationBuilder();
        var logs = new ListLoggerProvider();
        builder.Logging.AddProvider(logs);
        builder.Services.AddCameo(o => o.Workers = 1)
            .AddQuery("fails", TimeSpan.FromSeconds(1), q => q.From(Source.From([1, 2, 3])).Select(x => x / (x - 2)).To(_ => { }))
            .AddQuery("runs", TimeSpan.FromSeconds(1), q => q.From(Source.Generate((i, _) => i, eventsPerSecond: 1_000)).To(_ => Interlocked.Increment(ref ok)));
        using var host = builder.Build();
        await host.StartAsync();
        var engine = host.Services.GetRequiredService<CameoEngine>();

        await Assert.ThrowsAsync<QueryFailedException>(() => engine.Queries[0].Completion.WaitAsync(Within));
        long before = Interlocked.Read(ref ok);
        await WaitUntil(() => Interlocked.Read(ref ok) > before);
        Assert.Contains(logs.Messages, m => m.Contains("Query fails failed in Select", StringComparison.Ordinal));
        await host.StopAsync();
        Assert.True(engine.Queries[1].Completion.IsCompletedSuccessfully);
    }

    internal static async Task WaitUntil(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + Within;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the condition did not hold in time");
            await Task.Delay(20);
        }
    }
}
