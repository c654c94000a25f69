using System.CommandLine;
using Cameo.Cli.Bench;
using Cameo.Cli.Reporting;
using Cameo.Workloads;
using Cameo.Workloads.Bench;
using Spectre.Console;

namespace Cameo.Cli.Commands;

/// <summary>
/// `cameo bench &lt;scenario&gt;`: reproduces the paper's experiments on this machine. Calibrates,
/// runs every policy on the same trace (interleaved, repeated, with warm-up), prints a table per
/// scenario with the ratios to Cameo and a verdict per target, and with --out writes results.json
/// and PNG plots.
/// </summary>
public static class BenchCommand
{
    /// <summary>Scenario names the command accepts.</summary>
    public static IReadOnlyList<string> Scenarios { get; } = [.. Scenario.Names, "all", RandomMix.ScenarioName, FairShareBench.ScenarioName, .. NexmarkBenchCommand.Scenarios];

    /// <summary>The line-up of random-mix: Cameo and the policies its verdicts compare it with (the ideal bound is added).</summary>
    public const string RandomMixPolicies = "cameo,fifo,edf,llf,sjf";

    public static Command Create()
    {
        var scenario = new Argument<string>("scenario") { Description = $"What to measure: {string.Join(", ", Scenarios)}." };
        scenario.AcceptOnlyFromAmong([.. Scenarios]);
        var policies = new Option<string?>("--policies") { Description = $"Comma-separated policies to compare: {string.Join(", ", BenchPolicy.Known)} (on Orleans: {string.Join(", ", OrleansContenders.Known)}). Default: {BenchPolicy.DefaultList} (on Orleans: {OrleansContenders.DefaultList})." };
        var runtime = new Option<string>("--runtime") { Description = "embedded (the shared worker pool) or orleans (an in-process cluster; see --silos).", DefaultValueFactory = _ => "embedded" };
        runtime.AcceptOnlyFromAmong("embedded", "orleans");
        var silos = new Option<int?>("--silos") { Description = "Silos of the in-process Orleans cluster (only with --runtime orleans). Default: 2." };
        var seconds = new Option<double?>("--seconds") { Description = $"Measured seconds per run. Default: {BenchSettings.DefaultSeconds:0} s; single-tenant {BenchSettings.SingleTenantSeconds:0} s (its results come from 5 s windows); nexmark-multi-tenant {Workloads.Nexmark.NexmarkMultiTenant.DefaultSeconds:0} s (10 s windows); spike until {BenchSettings.AfterLastSpikeSeconds:0} s after the last spike." };
        var warmup = new Option<double>("--warmup") { Description = "Seconds each run runs before it is measured.", DefaultValueFactory = _ => 1 };
        var load = new Option<double>("--load") { Description = $"Offered load as a fraction of the calibrated capacity, at most {BenchSettings.MaxLoad:0.#}; above 1 is overload.", DefaultValueFactory = _ => 0.9 };
        var repeat = new Option<int>("--repeat") { Description = "Rounds; each runs every policy once, in rotated order.", DefaultValueFactory = _ => 3 };
        var seed = new Option<int>("--seed") { Description = "Input seed, shared by every run (random-mix: also the seed of the mix).", DefaultValueFactory = _ => 42 };
        var tenants = new Option<int>("--tenants") { Description = "random-mix: tenants in the generated mix.", DefaultValueFactory = _ => 8 };
        var stagger = new Option<double>("--stagger") { Description = "fair-share: seconds between the starts of the three queries.", DefaultValueFactory = _ => FairShareBench.DefaultStaggerSeconds };
        var workers = new Option<int>("--workers") { Description = "Worker threads.", DefaultValueFactory = _ => Environment.ProcessorCount };
        var calibration = new Option<double>("--calibration-seconds") { Description = "Seconds calibration measures each query alone and each round of the mix (at least; saturated queries are measured longer).", DefaultValueFactory = _ => 1 };
        var output = new Option<DirectoryInfo?>("--out") { Description = "Write results.json and the PNG plots into DIR." };
        var telemetry = new Option<string?>("--telemetry")
        {
            Description = "otel: beside each policy, a row with OpenTelemetry export on (`cameo+otel`, in the same rounds): the OpenTelemetry SDK collects Cameo's meter and message traces in this process and exports them to memory every second.",
        };
        telemetry.AcceptOnlyFromAmong("otel");
        var checkpointEvery = Duration.Option("--checkpoint-every", "Also run each policy with checkpoints every DURATION (e.g. 1s) to a fresh directory, as rows named POLICY/ckpt (embedded runtime only); report their duration and size, and judge cameo/ckpt against cameo.");
        var command = new Command("bench", "Compare Cameo with the baselines (fifo, slots) and other policies on the paper's scenarios.")
        {
            scenario, policies, runtime, silos, seconds, warmup, load, repeat, seed, tenants, stagger, workers, calibration, output, telemetry, checkpointEvery,
        };
        command.SetAction(async (parse, ct) =>
        {
            string name = parse.GetValue(scenario)!;
            if (name == FairShareBench.ScenarioName)
                return await FairShareCommand.RunAsync(new FairShareSettings(parse.GetValue(workers), parse.GetValue(seconds) ?? FairShareBench.DefaultSeconds, parse.GetValue(stagger), parse.GetValue(seed)),
                    parse.GetValue(output), ct);
            if (name == RandomMix.ScenarioName && parse.GetValue(tenants) < 1)
            {
                AnsiConsole.MarkupLine("[red]--tenants must be at least 1.[/]");
                return 2;
            }
            IReadOnlyList<BenchPolicy> contenders;
            bool onOrleans = parse.GetValue(runtime) == "orleans";
            int? orleansSilos = onOrleans ? parse.GetValue(silos) ?? 2 : null;
            try
            {
                if (!onOrleans && parse.GetValue(silos) is not null) throw new ArgumentException("--silos applies only with --runtime orleans.");
                if (orleansSilos is < 1) throw new ArgumentException("--silos must be at least 1.");
                string list = parse.GetValue(policies) ?? (orleansSilos is not null ? OrleansContenders.DefaultList : name == RandomMix.ScenarioName ? RandomMixPolicies
                    : NexmarkBenchCommand.Scenarios.Contains(name) ? NexmarkBenchCommand.DefaultPolicies : BenchPolicy.DefaultList);
                contenders = orleansSilos is { } n ? BenchPolicy.ParseList(list, name => OrleansContenders.Parse(name, n)) : BenchPolicy.ParseList(list);
                if (parse.GetValue(telemetry) is not null) contenders = BenchPolicy.WithOtelTwins(contenders);
                if (parse.GetValue(checkpointEvery) is not null)
                {
                    if (orleansSilos is not null) throw new ArgumentException("--checkpoint-every applies to the embedded runtime only.");
                    contenders = BenchPolicy.WithCheckpointed(contenders);
                }
            }
            catch (ArgumentException ex)
            {
                AnsiConsole.MarkupLine($"[red]{Markup.Escape(ex.Message)}[/]");
                return 2;
            }
            var settings = new BenchSettings(contenders, parse.GetValue(seconds), parse.GetValue(warmup), parse.GetValue(load),
                parse.GetValue(repeat), parse.GetValue(seed), parse.GetValue(workers), parse.GetValue(calibration),
                orleansSilos is { } clusterSilos ? OrleansContenders.Runtime(clusterSilos) : null, parse.GetValue(checkpointEvery));
            if (NexmarkBenchCommand.Scenarios.Contains(name))
                return await NexmarkBenchCommand.RunAsync(name, settings, parse.GetValue(output), ct);
            var scenarios = name == "all" ? Scenario.Names.Select(Scenario.ByName).ToList()
                : name == RandomMix.ScenarioName ? [RandomMix.Generate(settings.Seed, parse.GetValue(tenants))]
                : [Scenario.ByName(name)];
            // Every scenario is checked before the first calibrates: `all` must not fail after minutes.
            if (scenarios.Select(settings.ProblemFor).FirstOrDefault(p => p is not null) is { } problem)
            {
                AnsiConsole.MarkupLine($"[red]{Markup.Escape(problem)}[/]");
                return 2;
            }
            return await RunAsync(scenarios, settings, parse.GetValue(output), ct);
        });
        return command;
    }

    /// <summary>
    /// Measures <paramref name="scenarios"/> in order (a later one reuses an earlier one's calibration
    /// of the same queries), prints their tables and verdicts, and with <paramref name="output"/>
    /// writes results.json (one scenario object, or an array of them for several) and the plots.
    /// </summary>
    /// <returns>The exit code: 0, 1 if a query failed, 130 if cancelled.</returns>
    /// <param name="scenarios">What to measure, in order.</param>
    /// <param name="settings">How.</param>
    /// <param name="output">Where results.json and the plots go, if anywhere.</param>
    /// <param name="ct">Stops the bench.</param>
    /// <param name="before">Results measured before these scenarios (another kind of bench), written first in results.json.</param>
    public static async Task<int> RunAsync(IReadOnlyList<Scenario> scenarios, BenchSettings settings, DirectoryInfo? output, CancellationToken ct, IReadOnlyList<object>? before = null)
    {
        var results = new List<object>(before ?? []);
        (Capacity, string)? calibrated = null; // spike has the multi-tenant queries: `all` calibrates them once
        foreach (var scenario in scenarios)
        {
            int runs = settings.Repeat * settings.Policies.Count;
            AnsiConsole.MarkupLine($"[bold]cameo bench {scenario.Name}[/]: {string.Join(", ", settings.Policies.Select(p => p.Name))}; " +
                $"{settings.Repeat} round(s) x {settings.SecondsFor(scenario):0.#} s measured (+{settings.WarmupSeconds:0.#} s warm-up) = {runs} runs on {settings.Workers} workers at load {Format.Load(settings.Load)}, {settings.On.Name} runtime, seed {settings.Seed}");
            ScenarioBench bench;
            try
            {
                bench = await BenchRunner.RunAsync(scenario, settings, line => AnsiConsole.MarkupLine($"[grey]{Markup.Escape(line)}[/]"), calibrated, ct);
                calibrated = (bench.Capacity, bench.CalibrationReusedFrom ?? scenario.Name);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                AnsiConsole.MarkupLine("[yellow]Cancelled.[/]");
                return 130;
            }
            catch (Exception ex) when (ex is AggregateException or InvalidOperationException)
            {
                // A query failed (the engine says which and why); scenarios already measured stay written.
                AnsiConsole.MarkupLine($"[red]{Markup.Escape(scenario.Name)} failed: {Markup.Escape(ex.Message)}[/]");
                foreach (var inner in (ex as AggregateException)?.InnerExceptions ?? [])
                    AnsiConsole.MarkupLine($"[red]  {Markup.Escape(inner.Message)}[/]");
                return 1;
            }
            if (bench.Scenario.Spikes.Any(s => s.StartSecond + s.Seconds > bench.Seconds))
                AnsiConsole.MarkupLine($"[yellow]Runs of {bench.Seconds:0.#} s end before the last spike does; omit --seconds to cover every spike.[/]");
            var summary = new BenchSummary(bench);
            var json = ScenarioJson.From(bench, summary);
            results.Add(json);
            if (bench.Scenario.Mix is { } mix) AnsiConsole.Write(BenchTables.Mix(mix));
            AnsiConsole.Write(BenchTables.Calibration(bench));
            AnsiConsole.Write(BenchTables.Queries(bench, summary));
            if (bench.Scenario.Mix is not null) AnsiConsole.Write(BenchTables.TenantAttainment(bench));
            AnsiConsole.Write(BenchTables.Policies(bench, summary));
            if (BenchTables.Checkpoints(summary) is { } checkpoints) AnsiConsole.Write(checkpoints);
            AnsiConsole.Write(BenchTables.Noise(bench, summary));
            AnsiConsole.WriteLine();
            AnsiConsole.Write(Tables.Verdicts(json.Targets));
            AnsiConsole.WriteLine();
            if (output is not null)
            {
                foreach (var path in BenchPlots.Write(bench, output.FullName))
                    AnsiConsole.MarkupLine($"Wrote {Markup.Escape(path)}");
                // Rewritten after every scenario, so a long `all` that is interrupted keeps what it measured.
                string written = results.Count == 1 ? Json.Write(output.FullName, "results.json", results[0]) : Json.Write(output.FullName, "results.json", results);
                AnsiConsole.MarkupLine($"Wrote {Markup.Escape(written)}");
            }
        }
        AnsiConsole.MarkupLine("[grey]Numbers depend on the machine and on what else runs on it; compare ratios, not absolute latencies.[/]");
        return 0;
    }
}
