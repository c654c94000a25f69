using System.CommandLine;
using Cameo.Cli.Bench;
using Cameo.Workloads.Durability;
using Spectre.Console;

namespace Cameo.Cli.Commands;

/// <summary>`cameo soak`: Redis in and out, checkpoints on, at a steady load for minutes; is the working set flat?</summary>
public static class SoakCommand
{
    public static Command Create()
    {
        var minutes = new Option<double>("--minutes") { Description = "How long to run, after calibration.", DefaultValueFactory = _ => 10 };
        var load = new Option<double>("--load") { Description = "The writer's rate as a fraction of the query's calibrated capacity, at most 1.", DefaultValueFactory = _ => 0.9 };
        var redis = new Option<string?>("--redis") { Description = "A Redis server to use (host:port); by default a redis-server child process is started on a free loopback port, and killed at the end." };
        var output = new Option<DirectoryInfo>("--out") { Description = "Where the checkpoints (DIR/state), results.json and soak.png go.", DefaultValueFactory = _ => new DirectoryInfo("soak") };
        var sample = new Option<double>("--sample-seconds") { Description = "Time between two samples of the working set.", DefaultValueFactory = _ => 2 };
        var calibration = new Option<int>("--calibration-events") { Description = "Entries the query's capacity is measured on.", DefaultValueFactory = _ => 300_000 };
        var workers = new Option<int>("--workers") { Description = "The engine's worker threads.", DefaultValueFactory = _ => Environment.ProcessorCount };
        var command = new Command("soak", """
            Runs a checkpointed query from a Redis stream to a Redis stream (a windowed count per key,
            one-second windows, checkpoints every 2 s to DIR/state) while a writer in the same process
            feeds its input at --load of the query's capacity (calibrated first on a preloaded stream),
            for --minutes. Samples the process's working set and managed heap every --sample-seconds;
            prints the working set's growth over the second half (the slope of a least-squares line
            through its samples, over its value at half time; target under 5%), and writes
            DIR/results.json and DIR/soak.png.
            """)
        {
            minutes, load, redis, output, sample, calibration, workers,
        };
        command.SetAction((parse, ct) => RunAsync(
            new SoakSettings(parse.GetValue(minutes), parse.GetValue(load), parse.GetValue(redis), parse.GetValue(output)!.FullName,
                parse.GetValue(sample), parse.GetValue(calibration), parse.GetValue(workers)), ct));
        return command;
    }

    /// <summary>Runs <see cref="Soak"/>, a line per sample, then the verdicts, results.json and the plot.</summary>
    /// <returns>0 when the working set stayed flat, 1 otherwise or on a failure, 2 for invalid settings, 130 if cancelled.</returns>
    public static async Task<int> RunAsync(SoakSettings settings, CancellationToken ct)
    {
        if (settings.Problem() is { } problem)
        {
            AnsiConsole.MarkupLine($"[red]{Markup.Escape(problem)}[/]");
            return 2;
        }
        AnsiConsole.MarkupLine($"[bold]cameo soak[/]: {settings.Minutes:0.#} min at {settings.Load * 100:0}% of capacity, {settings.Workers} workers, Redis {Markup.Escape(settings.Redis ?? "started here")}");
        int every = Math.Max(1, (int)Math.Round(10 / settings.SampleSeconds));
        int samples = 0;
        void Show(SoakSample s)
        {
            if (samples++ % every != 0) return;
            AnsiConsole.MarkupLine($"[grey]{s.Seconds,7:0} s  working set {s.WorkingSetMb,7:0.0} MB  managed {s.ManagedMb,7:0.0} MB  read {s.Read,12:N0} of {s.Written,12:N0}  checkpoint {s.Checkpoint}[/]");
        }
        SoakResult? result = null;
        int exit = await DurabilityBenchCommands.Report(async () => result = await Soak.RunAsync(settings, line => AnsiConsole.MarkupLine($"[grey]{Markup.Escape(line)}[/]"), Show, ct),
            r => r.Verdicts(), new DirectoryInfo(settings.Directory), ct);
        if (result is not null) AnsiConsole.MarkupLine($"Wrote {Markup.Escape(DurabilityPlots.Soak(result, Path.Combine(settings.Directory, "soak.png")))}");
        return exit;
    }
}
