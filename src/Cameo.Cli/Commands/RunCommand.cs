using System.CommandLine;
using Cameo.Cli.Reporting;
using Cameo.Scheduling;
using Cameo.Workloads;
using Cameo.Workloads.Bench;
using Spectre.Console;

namespace Cameo.Cli.Commands;

/// <summary>
/// `cameo run`: the multi-tenant demo on the embedded runtime. Latency-sensitive queries with tight
/// targets share two workers with bulk queries that keep the CPU busy; live progress while it runs,
/// a per-query summary at the end.
/// </summary>
public static class RunCommand
{
    public static Command Create()
    {
        var policy = new Option<string>("--policy") { Description = $"Scheduling policy: {string.Join(", ", SchedulingPolicies.All.Select(p => p.Name))}, or slots (thread per instance).", DefaultValueFactory = _ => "cameo" };
        var seconds = new Option<double>("--seconds") { Description = "How long to measure, after a short warm-up.", DefaultValueFactory = _ => 15 };
        var load = new Option<double>("--load") { Description = "Offered load as a fraction of the calibrated capacity.", DefaultValueFactory = _ => 0.9 };
        var workers = new Option<int>("--workers") { Description = "Worker threads.", DefaultValueFactory = _ => Environment.ProcessorCount };
        var seed = new Option<int>("--seed") { Description = "Input seed.", DefaultValueFactory = _ => 42 };
        var output = new Option<DirectoryInfo?>("--out") { Description = "Write DIR/results.json." };
        var recalibrate = new Option<bool>("--recalibrate") { Description = "Measure capacity again instead of reusing this machine's last calibration." };
        var command = new Command("run", "Run the multi-tenant demo on the embedded runtime and summarize each query.")
        {
            policy, seconds, load, workers, seed, output, recalibrate,
        };
        command.SetAction((parse, ct) => RunAsync(
            parse.GetValue(policy)!, parse.GetValue(seconds), parse.GetValue(load), parse.GetValue(workers), parse.GetValue(seed), parse.GetValue(output), parse.GetValue(recalibrate), ct));
        return command;
    }

    private static async Task<int> RunAsync(string policyName, double seconds, double load, int workers, int seed, DirectoryInfo? output, bool recalibrate, CancellationToken ct)
    {
        bool slots = policyName.Equals("slots", StringComparison.OrdinalIgnoreCase);
        ISchedulingPolicy policy;
        try
        {
            policy = slots ? SchedulingPolicies.Fifo : SchedulingPolicies.Parse(policyName);
        }
        catch (ArgumentException ex)
        {
            AnsiConsole.MarkupLine($"[red]{Markup.Escape(ex.Message)}[/]");
            return 2;
        }
        if (seconds <= 0 || load <= 0 || workers < 1)
        {
            AnsiConsole.MarkupLine("[red]--seconds and --load must be positive and --workers at least 1.[/]");
            return 2;
        }

        var scenario = Scenario.MultiTenant();
        AnsiConsole.MarkupLine($"[bold]Cameo[/] demo: {scenario.Queries.Count} tenants on {workers} workers, policy [bold]{(slots ? "slots" : policy.Name)}[/], load {load:P0}");
        Capacity capacity;
        if (!recalibrate && CalibrationCache.TryLoad(scenario, workers) is { } kept)
        {
            capacity = kept.Capacity;
            AnsiConsole.MarkupLine($"  capacity as calibrated at {kept.MeasuredAt:u} (kept in {Markup.Escape(CalibrationCache.PathFor(scenario.Name, workers))}; --recalibrate measures again)");
        }
        else
        {
            capacity = await AnsiConsole.Status().StartAsync("Calibrating: each query alone at saturation, then the mix...", _ =>
                Capacity.MeasureAsync(scenario, workers, TimeSpan.FromSeconds(1), seed, ct));
            CalibrationCache.Save(scenario, workers, capacity);
            AnsiConsole.MarkupLine($"  mix calibration rounds: {string.Join(" -> ", capacity.Rounds.Select(r => r.ToString("0.00")))}");
        }
        foreach (var q in scenario.Queries)
            AnsiConsole.MarkupLine($"  {Markup.Escape(q.Name),-14} capacity {capacity.EventsPerSecond[q.Name],12:N0} events/s; offered {capacity.RateFor(q, load),10:N0} events/s");

        var settings = new RunSettings(policy, workers, seconds, WarmupSeconds: 3, load, seed, Slots: slots);
        RunResult result;
        if (Console.IsOutputRedirected)
        {
            // No live table in logs: a line every few seconds.
            var next = TimeSpan.Zero;
            result = await ScenarioRunner.RunAsync(scenario, capacity, settings, (handles, elapsed) =>
            {
                if (elapsed < next) return;
                next = elapsed + TimeSpan.FromSeconds(5);
                var ls = handles.Where(h => scenario.Queries.First(q => q.Name == h.Name).Class == QueryClass.LS).Select(h => h.Stats).ToList();
                Console.WriteLine($"  {Math.Max(0, elapsed.TotalSeconds),5:0.0} s  LS p99 {string.Join(" / ", ls.Select(s => Tables.Ms(s.P99Ms) + " ms"))}");
            }, ct);
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
                }, ct);
            });
        }

        AnsiConsole.Write(Tables.PerQuery(result.Queries.Select(q => (q.Name, q.Class, q.Stats)), $"{result.Policy}: utilization {result.Utilization:P1} of {result.Workers} workers"));
        if (output is not null)
        {
            var json = new RunJson(result.Policy, result.Runtime, result.Workers, Math.Round(result.Utilization, 4), load, [.. result.Queries.Select(QueryJson.From)]);
            AnsiConsole.MarkupLine($"Wrote {Markup.Escape(Json.Write(output.FullName, "results.json", json))}");
        }
        return 0;
    }
}
