using System.CommandLine;
using Cameo.Cli.Chaos;
using Cameo.Cli.Reporting;
using Cameo.Workloads.Bench;
using Cameo.Workloads.Chaos;
using Spectre.Console;

namespace Cameo.Cli.Commands;

/// <summary>
/// `cameo chaos &lt;experiment&gt;`: crashes Cameo on purpose and checks its guarantees against a
/// brute-force oracle. Each experiment is a subcommand (<see cref="Subcommands"/>).
/// </summary>
public static class ChaosCommand
{
    public static Command Create()
    {
        var command = new Command("chaos", "Crash Cameo on purpose and compare what its exactly-once sinks hold with a brute-force oracle.");
        foreach (var subcommand in Subcommands()) command.Subcommands.Add(subcommand);
        return command;
    }

    /// <summary>Every experiment of `cameo chaos`, and the hidden worker process they start.</summary>
    private static Command[] Subcommands() => [Crash(), SiloKill(), Worker()];

    private static Command Crash()
    {
        var kills = new Option<int>("--kills") { Description = "Times the worker process is killed (SIGKILL) and restarted.", DefaultValueFactory = _ => 5 };
        var events = new Option<int>("--events") { Description = "Input events (over the two input streams).", DefaultValueFactory = _ => 50_000 };
        var output = new Option<DirectoryInfo>("--out") { Description = "Where the JSON-lines outputs, the checkpoints, the worker logs and results.json go.", DefaultValueFactory = _ => new DirectoryInfo("chaos-crash") };
        var redis = new Option<string?>("--redis") { Description = "A Redis server to use (host:port); by default a redis-server child process is started on a free loopback port, and killed at the end." };
        var seed = new Option<int>("--seed") { Description = "Seeds the input and the kill moments.", DefaultValueFactory = _ => 1 };
        var seconds = new Option<double>("--seconds") { Description = "The input is written over this many seconds while the worker reads it; the kills fall within its first 90%.", DefaultValueFactory = _ => 20 };
        var checkpoints = Duration.Option("--checkpoint-every", "The worker's checkpoint interval.", TimeSpan.FromMilliseconds(500));
        var command = new Command("crash", """
            Writes a seeded input into two Redis streams at a steady pace (then an end-of-input marker
            entry in each: an entry with the field 'end' instead of 'data', where the worker's sources
            end), and runs a worker process (`cameo chaos worker`) with two checkpointed queries reading
            them: a windowed count of clicks per key, and a window join of clicks with views. Each writes
            to a Redis stream and to a JSON-lines file, the two exactly-once sinks. The worker is killed
            with SIGKILL at K random moments (one in each K-th of the input's time, once the running
            worker has emitted), and restarted each time on the same checkpoints; the last start runs
            to the end markers. Then each sink's final output is compared with a brute-force oracle:
            lost (expected results missing), duplicated (extra copies), wrong (another value).
            Recovery: from a restart to the first result the restarted worker emits to its sinks
            (which the exactly-once sinks make visible at its next checkpoint), or to its end if it has
            nothing left to emit. Prints a verdict and writes DIR/results.json.
            """)
        {
            kills, events, output, redis, seed, seconds, checkpoints,
        };
        command.SetAction((parse, ct) => RunCrashAsync(
            new ChaosCrashSettings(parse.GetValue(kills), parse.GetValue(events), parse.GetValue(output)!.FullName, parse.GetValue(redis), parse.GetValue(seed),
                parse.GetValue(seconds), parse.GetValue(checkpoints)!.Value), ct));
        return command;
    }

    /// <summary>Runs <see cref="ChaosCrash"/> with this program as the worker; prints the comparison and the verdicts; writes results.json.</summary>
    /// <returns>0 when every sink holds exactly the oracle's results, 1 otherwise or on a failure, 2 for invalid settings.</returns>
    public static Task<int> RunCrashAsync(ChaosCrashSettings settings, CancellationToken ct) =>
        RunExperimentAsync("crash", settings.Problem(), settings.Directory, "workers'",
            $"{settings.Events:N0} events over {settings.InputSeconds:0.#} s, {settings.Kills} kill(s), " +
            $"checkpoints every {settings.CheckpointInterval.TotalMilliseconds:0} ms, seed {settings.Seed}, Redis {Markup.Escape(settings.Redis ?? "started here")}",
            log => ChaosCrash.RunAsync(settings, CameoExecutable.Of(typeof(ChaosCommand).Assembly), log, ct),
            result => ($"chaos crash: {result.Kills} kill(s), outputs of the exactly-once sinks against the oracle", ChaosVerdicts.Of(result)), ct);

    /// <summary>Prints the comparison of each sink with the oracle and the verdicts, writes results.json.</summary>
    /// <returns>0 when every sink holds exactly the oracle's results, else 1.</returns>
    private static int Report(ChaosCrashResult result, string title, IReadOnlyList<Verdict> verdicts, string directory)
    {
        var table = new Table().RoundedBorder().Title(title);
        table.AddColumns("sink", "expected", "received", "lost", "duplicated", "wrong");
        foreach (var c in table.Columns.Skip(1)) c.RightAligned();
        foreach (var s in result.Sinks)
            table.AddRow(Markup.Escape(s.Sink), $"{s.Expected:N0}", $"{s.Received:N0}", Count(s.Lost), Count(s.Duplicated), Count(s.Wrong));
        AnsiConsole.Write(table);
        AnsiConsole.Write(Tables.Verdicts(verdicts));
        AnsiConsole.WriteLine();
        AnsiConsole.MarkupLine($"Wrote {Markup.Escape(Json.Write(directory, "results.json", result))}");
        return result.Exact ? 0 : 1;
    }

    private static Command SiloKill()
    {
        var silos = new Option<int>("--silos") { Description = "Silo processes in the cluster; one is killed.", DefaultValueFactory = _ => 3 };
        var events = new Option<int>("--events") { Description = "Input events (over the two input streams).", DefaultValueFactory = _ => 20_000 };
        var output = new Option<DirectoryInfo>("--out") { Description = "Where the silo logs and results.json go.", DefaultValueFactory = _ => new DirectoryInfo("chaos-silo-kill") };
        var redis = new Option<string?>("--redis") { Description = "A Redis server to use (host:port); by default a redis-server child process is started on a free loopback port, and killed at the end." };
        var seed = new Option<int>("--seed") { Description = "Seeds the input.", DefaultValueFactory = _ => 1 };
        var seconds = new Option<double>("--seconds") { Description = "The input is written over this many seconds; the kill falls at 40% of it (once both queries completed a checkpoint; at 60% at the latest).", DefaultValueFactory = _ => 15 };
        var checkpoints = Duration.Option("--checkpoint-every", "The silos' checkpoint interval.", TimeSpan.FromMilliseconds(500));
        var victim = new Option<SiloKillVictim>("--victim")
        {
            Description = "The silo killed: instances (one holding instances but neither coordinator) or coordinator (the one holding the counts query's coordinator).",
            DefaultValueFactory = _ => SiloKillVictim.Instances,
        };
        var command = new Command("silo-kill", """
            Starts a cluster of `cameo silo` processes with Redis membership that checkpoint into Redis,
            writes a seeded input into two Redis streams at a steady pace (then an end marker in each),
            and submits the two chaos queries (a windowed count of clicks per key, a window join of
            clicks with views) reading them into Redis streams (exactly-once sinks). Once both queries
            completed a checkpoint, one silo is killed with SIGKILL (--victim: by default one holding
            their instances but not their coordinators); the queries roll back to their last checkpoint
            on the surviving silos (a coordinator that lost its activation resumes from its record in
            Redis) and run to the end markers. Then each output is compared with a brute-force oracle: lost,
            duplicated, wrong. Recovery: from the kill to the query resuming on the survivors. Prints a
            verdict and writes DIR/results.json.
            """)
        {
            silos, events, output, redis, seed, seconds, checkpoints, victim,
        };
        command.SetAction((parse, ct) => RunSiloKillAsync(
            new ChaosSiloKillSettings(parse.GetValue(silos), parse.GetValue(events), parse.GetValue(output)!.FullName, parse.GetValue(redis), parse.GetValue(seed),
                parse.GetValue(seconds), parse.GetValue(checkpoints)!.Value, parse.GetValue(victim)), ct));
        return command;
    }

    /// <summary>Runs <see cref="ChaosSiloKill"/> with this program as the silos; prints the comparison and the verdicts; writes results.json.</summary>
    /// <returns>0 when every sink holds exactly the oracle's results, 1 otherwise or on a failure, 2 for invalid settings.</returns>
    public static Task<int> RunSiloKillAsync(ChaosSiloKillSettings settings, CancellationToken ct) =>
        RunExperimentAsync("silo-kill", settings.Problem(), settings.Directory, "silos'",
            $"{settings.Silos} silos, {settings.Events:N0} events over {settings.InputSeconds:0.#} s, " +
            $"checkpoints every {settings.CheckpointInterval.TotalMilliseconds:0} ms, seed {settings.Seed}, Redis {Markup.Escape(settings.Redis ?? "started here")}",
            log => ChaosSiloKill.RunAsync(settings, CameoExecutable.Of(typeof(ChaosCommand).Assembly), log, ct),
            result => ($"chaos silo-kill: 1 of {settings.Silos} silos killed, outputs of the exactly-once sinks against the oracle",
                ChaosVerdicts.Of(result, "kill to the query resuming on the survivors")), ct);

    /// <summary>
    /// What both experiments do around their run: refuse invalid settings, print what runs, run it
    /// with its progress in grey, and report a failure (with where the logs are) or the comparison.
    /// </summary>
    private static async Task<int> RunExperimentAsync(string name, string? problem, string directory, string logsOf, string header,
        Func<Action<string>, Task<ChaosCrashResult>> run, Func<ChaosCrashResult, (string Title, IReadOnlyList<Verdict> Verdicts)> report, CancellationToken ct)
    {
        if (problem is not null)
        {
            AnsiConsole.MarkupLine($"[red]{Markup.Escape(problem)}[/]");
            return 2;
        }
        AnsiConsole.MarkupLine($"[bold]cameo chaos {name}[/]: {header}");
        ChaosCrashResult result;
        try
        {
            result = await run(line => AnsiConsole.MarkupLine($"[grey]{Markup.Escape(line)}[/]"));
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            AnsiConsole.MarkupLine("[yellow]Cancelled.[/]");
            return 130;
        }
        catch (Exception ex) when (ex is InvalidOperationException or TimeoutException)
        {
            AnsiConsole.MarkupLine($"[red]chaos {name} failed: {Markup.Escape(ex.Message)}[/]");
            AnsiConsole.MarkupLine($"[grey]The {logsOf} logs are in {Markup.Escape(directory)}.[/]");
            return 1;
        }
        var (title, verdicts) = report(result);
        return Report(result, title, verdicts, directory);
    }

    private static string Count(long n) => n == 0 ? "[green]0[/]" : $"[red]{n:N0}[/]";

    /// <summary>The worker process `cameo chaos crash` kills and restarts (hidden: not for users).</summary>
    private static Command Worker()
    {
        var redis = new Option<string>("--redis") { Required = true };
        var prefix = new Option<string>("--prefix") { Required = true };
        var output = new Option<DirectoryInfo>("--out") { Required = true };
        var checkpointMs = new Option<double>("--checkpoint-ms") { DefaultValueFactory = _ => 500 };
        var command = new Command("worker", "The process chaos experiments kill and restart.") { redis, prefix, output, checkpointMs };
        command.Hidden = true;
        command.SetAction(async (parse, ct) =>
        {
            var layout = new ChaosLayout(parse.GetValue(redis)!, parse.GetValue(prefix)!, parse.GetValue(output)!.FullName);
            try
            {
                await ChaosWorker.RunAsync(layout, TimeSpan.FromMilliseconds(parse.GetValue(checkpointMs)), Console.Out, ct);
                return 0;
            }
            catch (Exception ex) when (ex is AggregateException or InvalidOperationException or IOException)
            {
                await Console.Error.WriteLineAsync(ex.ToString());
                return 1;
            }
        });
        return command;
    }
}
