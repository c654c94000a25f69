using System.CommandLine;
using Cameo.Checkpoints;
using Cameo.Cli.Reporting;
using Cameo.Dashboard;
using Cameo.Monitoring;
using Cameo.Workloads;
using Cameo.Workloads.Bench;
using Spectre.Console;

namespace Cameo.Cli.Commands;

/// <summary>
/// `cameo run`: the multi-tenant demo on the embedded runtime. Latency-sensitive queries with tight
/// targets share two workers with bulk queries that keep the CPU busy; live progress while it runs,
/// a per-query summary and the verdicts on the worst query of each class at the end.
/// </summary>
public static class RunCommand
{
    public static Command Create()
    {
        var policy = new Option<string>("--policy") { Description = $"Scheduling policy: {string.Join(", ", BenchPolicy.Known)} (slots: thread per instance).", DefaultValueFactory = _ => "cameo" };
        var seconds = new Option<double>("--seconds") { Description = "How long to measure, after a short warm-up.", DefaultValueFactory = _ => 15 };
        var load = new Option<double>("--load") { Description = $"Offered load as a fraction of the calibrated capacity, at most {BenchSettings.MaxLoad:0.#}; above 1 is overload.", DefaultValueFactory = _ => 0.9 };
        var workers = new Option<int>("--workers") { Description = "Worker threads.", DefaultValueFactory = _ => Environment.ProcessorCount };
        var seed = new Option<int>("--seed") { Description = "Input seed.", DefaultValueFactory = _ => 42 };
        var output = new Option<DirectoryInfo?>("--out") { Description = "Write DIR/results.json." };
        var state = new Option<DirectoryInfo?>("--state") { Description = "Checkpoint every query to DIR every 5 s, and resume each from its last checkpoint there." };
        var recalibrate = new Option<bool>("--recalibrate") { Description = "Measure capacity again instead of reusing this machine's last calibration at this load." };
        var command = new Command("run", "Run the multi-tenant demo on the embedded runtime and summarize each query.")
        {
            policy, seconds, load, workers, seed, output, recalibrate, state, DashboardSettings.Enable, DashboardSettings.Port,
        };
        command.SetAction((parse, ct) => RunAsync(
            parse.GetValue(policy)!, parse.GetValue(seconds), parse.GetValue(load), parse.GetValue(workers), parse.GetValue(seed), parse.GetValue(output), parse.GetValue(recalibrate),
            parse.GetValue(state), DashboardSettings.From(parse), ct));
        return command;
    }

    /// <summary>Seconds each run warms up before it is measured.</summary>
    private const double WarmupSeconds = 3;

    private static async Task<int> RunAsync(string policyName, double seconds, double load, int workers, int seed, DirectoryInfo? output, bool recalibrate,
        DirectoryInfo? state, DashboardOptions? dashboard, CancellationToken ct)
    {
        BenchPolicy contender;
        try
        {
            contender = BenchPolicy.Parse(policyName);
        }
        catch (ArgumentException ex)
        {
            AnsiConsole.MarkupLine($"[red]{Markup.Escape(ex.Message)}[/]");
            return 2;
        }
        var benchSettings = new BenchSettings([contender], seconds, WarmupSeconds, load, Repeat: 1, seed, workers, CalibrationSeconds: 1);
        if (benchSettings.Problem() is { } problem)
        {
            AnsiConsole.MarkupLine($"[red]{Markup.Escape(problem)}[/]");
            return 2;
        }

        var scenario = Scenario.MultiTenant();
        AnsiConsole.MarkupLine($"[bold]Cameo[/] demo: {scenario.Queries.Count} tenants on {workers} workers, policy [bold]{contender.Name}[/], load {Format.Load(load)}");
        Capacity capacity;
        bool kept = false;
        if (!recalibrate && CalibrationCache.TryLoad(scenario, workers, load) is { } cached)
        {
            (capacity, kept) = (cached.Capacity, true);
            AnsiConsole.MarkupLine($"  capacity as calibrated at {cached.MeasuredAt:u} (kept in {Markup.Escape(CalibrationCache.PathFor(scenario.Name, workers, load))}; --recalibrate measures again)");
        }
        else
        {
            capacity = await AnsiConsole.Status().StartAsync($"Calibrating: each query alone (saturated, then paced), then the mix at {Format.Pct(Capacity.CalibrationLoad(load))} load...", _ =>
                Capacity.MeasureAsync(scenario, workers, TimeSpan.FromSeconds(benchSettings.CalibrationSeconds), seed, load, ct));
            CalibrationCache.Save(scenario, workers, capacity);
        }
        AnsiConsole.MarkupLine($"  mix calibration: {Markup.Escape(BenchRunner.Rounds(capacity))}");
        foreach (var q in scenario.Queries)
            AnsiConsole.MarkupLine($"  {Markup.Escape(q.Name),-14} capacity {capacity.EventsPerSecond[q.Name],12:N0} events/s; offered {capacity.RateFor(q, load),10:N0} events/s");

        var checkpoints = state is null ? null : new CheckpointOptions { Store = new DirectoryStateStore(state.FullName), Interval = TimeSpan.FromSeconds(5) };
        if (state is not null) AnsiConsole.MarkupLine($"  checkpoints every 5 s in {Markup.Escape(state.FullName)}; each query resumes from its last one there");
        var settings = new RunSettings(contender.Policy, workers, seconds, WarmupSeconds, load, seed, Slots: contender.Slots, Checkpoints: checkpoints);
        Func<CameoEngine, Task<IAsyncDisposable>>? attach = dashboard is null ? null : async engine =>
        {
            var server = await DashboardServer.StartAsync(new EngineDashboardSource(engine), dashboard, ct);
            AnsiConsole.MarkupLine($"  dashboard: {Markup.Escape(server.Address.ToString())}");
            return server;
        };
        RunResult result;
        if (Console.IsOutputRedirected)
        {
            // No live table in logs: a line every few seconds.
            var next = TimeSpan.Zero;
            result = await ScenarioRunner.RunAsync(scenario, capacity, settings, (handles, elapsed) =>
            {
                if (elapsed < next) return;
                next = elapsed + TimeSpan.FromSeconds(5);
                var ls = handles.Where(h => scenario.Queries.First(q => q.Name == h.Name).Class == QueryClass.LS).Select(h => (h.Name, Measure: QueryMeasure.Of(h.Stats)));
                Console.WriteLine($"  {Math.Max(0, elapsed.TotalSeconds),5:0.0} s  p99 {string.Join(", ", ls.Select(q => $"{q.Name} {Format.Ms(q.Measure.P99Ms)}{(q.Measure.P99Ms is null ? "" : " ms")}"))}");
            }, ct, attach);
        }
        else
        {
            result = null!;
            await AnsiConsole.Live(new Markup("starting...")).StartAsync(async live =>
            {
                result = await ScenarioRunner.RunAsync(scenario, capacity, settings, (handles, elapsed) =>
                {
                    string phase = elapsed < TimeSpan.Zero ? $"warming up ({-elapsed.TotalSeconds:0.0} s left)" : $"{elapsed.TotalSeconds:0.0} / {seconds:0} s";
                    var rows = handles.Select(h => (h.Name, scenario.Queries.First(q => q.Name == h.Name).Class, h.Stats));
                    live.UpdateTarget(Tables.PerQuery(rows, phase));
                }, ct, attach);
            });
        }

        var bench = new ScenarioBench(scenario, benchSettings, seconds, capacity, TimeSpan.Zero, [new BenchRun(result.Policy, 1, result)]);
        var summary = new BenchSummary(bench);
        var policyRow = summary.FindPolicy(result.Policy)!;
        string inversion = policyRow.PriorityInversion is { } pi ? $", priority inversion p99 {Format.Ms(pi.P99Ms)} ms (max {Format.Ms(pi.MaxMs)} ms)" : "";
        AnsiConsole.Write(Tables.PerQuery(result.Queries.Select(q => (q.Name, q.Class, q.Stats)),
            $"{result.Policy}: utilization {Format.Pct(result.Utilization, 1)} of {result.Workers} workers (asked {Format.Load(load)}){inversion}"));
        AnsiConsole.Write(Tables.Verdicts(Targets.ForPolicy(summary, result.Policy)));
        if (kept && !policyRow.AtAskedLoad)
            AnsiConsole.MarkupLine("[yellow]The kept calibration no longer gives the asked load on this machine (what else runs on it changed?): --recalibrate measures it again.[/]");
        AnsiConsole.WriteLine();
        if (output is not null)
        {
            var json = new RunJson(result.Policy, result.Runtime, result.Workers, Math.Round(result.Utilization, 4), load, policyRow.AtAskedLoad,
                PriorityInversionJson.From(result.PriorityInversion), [.. result.Queries.Select(QueryJson.From)]);
            AnsiConsole.MarkupLine($"Wrote {Markup.Escape(Json.Write(output.FullName, "results.json", json))}");
        }
        return 0;
    }
}
