using System.CommandLine;
using Cameo.Cli.Reporting;
using Cameo.Workloads.Bench;
using Cameo.Workloads.Durability;
using Spectre.Console;

namespace Cameo.Cli.Commands;

/// <summary>
/// `cameo bench redis-source` and `cameo bench recovery`: the durability benches, subcommands of
/// `cameo bench` beside its scenarios. Each prints its runs and verdicts and writes DIR/results.json.
/// </summary>
public static class DurabilityBenchCommands
{
    /// <summary>Adds the durability benches to <paramref name="bench"/> (the `cameo bench` command).</summary>
    public static Command AddTo(Command bench)
    {
        bench.Subcommands.Add(RedisSource());
        bench.Subcommands.Add(Recovery());
        return bench;
    }

    private static Option<string?> RedisOption() => new("--redis") { Description = "A Redis server to use (host:port); by default a redis-server child process is started on a free loopback port, and killed at the end." };

    private static Option<DirectoryInfo> OutOption(string name) => new("--out") { Description = "Where results.json goes.", DefaultValueFactory = _ => new DirectoryInfo(name) };

    private static Command RedisSource()
    {
        var events = new Option<int>("--events") { Description = "Entries preloaded into the stream; every run reads them all.", DefaultValueFactory = _ => 500_000 };
        var redis = RedisOption();
        var repeat = new Option<int>("--repeat") { Description = "Rounds; each runs the plain loop and the Cameo query once, in alternating order.", DefaultValueFactory = _ => 3 };
        var readCount = new Option<int>("--read-count") { Description = "Entries per XREADGROUP ... COUNT, for both readers.", DefaultValueFactory = _ => 1024 };
        var workers = new Option<int>("--workers") { Description = "The engine's worker threads.", DefaultValueFactory = _ => Environment.ProcessorCount };
        var output = OutOption("bench-redis-source");
        var command = new Command("redis-source", """
            Preloads a Redis stream (pipelined XADD), then reads all of it in interleaved rounds, each
            run in a consumer group of its own: a plain StackExchange.Redis loop (XREADGROUP ... COUNT
            with the next read in flight, the same JSON parsed from the same field, each batch
            acknowledged with one pipelined XACK), the practical limit, against Cameo's
            Source.RedisStream into a stateless query and a counting sink. Prints events/s of both
            (medians over the rounds) and their ratio (target: Cameo at least 70% of the loop), checks
            that every run received every event exactly once, and writes DIR/results.json.
            """)
        {
            events, redis, repeat, readCount, workers, output,
        };
        command.SetAction((parse, ct) => RunRedisSourceAsync(
            new RedisSourceBenchSettings(parse.GetValue(events), parse.GetValue(redis), parse.GetValue(repeat), parse.GetValue(readCount), parse.GetValue(workers)),
            parse.GetValue(output)!, ct));
        return command;
    }

    /// <summary>Runs <see cref="RedisSourceBench"/>, prints its runs and verdicts, writes results.json.</summary>
    /// <returns>0 when every target is met, 1 otherwise or on a failure, 2 for invalid settings, 130 if cancelled.</returns>
    public static async Task<int> RunRedisSourceAsync(RedisSourceBenchSettings settings, DirectoryInfo output, CancellationToken ct)
    {
        if (settings.Problem() is { } problem)
        {
            AnsiConsole.MarkupLine($"[red]{Markup.Escape(problem)}[/]");
            return 2;
        }
        AnsiConsole.MarkupLine($"[bold]cameo bench redis-source[/]: {settings.Events:N0} events, {settings.Rounds} round(s), COUNT {settings.ReadCount}, {settings.Workers} workers, Redis {Markup.Escape(settings.Redis ?? "started here")}");
        return await Report(() => RedisSourceBench.RunAsync(settings, Log, ct), result =>
        {
            var table = new Table().RoundedBorder().Title("Redis stream read to its end, per run");
            table.AddColumns("round", "reader", "seconds", "events/s", "received", "duplicated");
            foreach (var c in table.Columns.Skip(2)) c.RightAligned();
            foreach (var r in result.Runs)
                table.AddRow($"{r.Round}", Markup.Escape(r.Reader), $"{r.Seconds:0.000}", $"{r.EventsPerSecond:N0}", $"{r.Received:N0}", $"{r.Duplicated:N0}");
            AnsiConsole.Write(table);
            return result.Verdicts();
        }, output, ct);
    }

    private static Command Recovery()
    {
        var stateMb = new Option<int>("--state-mb") { Description = "About how much window state the query holds (its checkpoint's size on disk), MB.", DefaultValueFactory = _ => 100 };
        var workers = new Option<int>("--workers") { Description = "The engine's worker threads.", DefaultValueFactory = _ => Environment.ProcessorCount };
        var output = new Option<DirectoryInfo>("--out") { Description = "Where the checkpoints (DIR/state) and results.json go.", DefaultValueFactory = _ => new DirectoryInfo("bench-recovery") };
        var command = new Command("recovery", """
            Fills a one-hour tumbling window of a keyed aggregate with one event per key (as many keys
            as make --state-mb of checkpointed state), checkpoints it to a directory state store, stops
            the engine, and starts a new one on the same store whose source goes on with events past the
            window's end, which fire it. Prints the time from the restart to the restore complete
            (the source reading again), to the first output and to the last, checks every key's result
            (target: first output within 5 s), and writes DIR/results.json.
            """)
        {
            stateMb, workers, output,
        };
        command.SetAction((parse, ct) => RunRecoveryAsync(new RecoveryBenchSettings(parse.GetValue(stateMb), parse.GetValue(output)!.FullName, parse.GetValue(workers)), ct));
        return command;
    }

    /// <summary>Runs <see cref="RecoveryBench"/>, prints its verdicts, writes results.json.</summary>
    /// <returns>0 when every target is met, 1 otherwise or on a failure, 2 for invalid settings, 130 if cancelled.</returns>
    public static async Task<int> RunRecoveryAsync(RecoveryBenchSettings settings, CancellationToken ct)
    {
        if (settings.Problem() is { } problem)
        {
            AnsiConsole.MarkupLine($"[red]{Markup.Escape(problem)}[/]");
            return 2;
        }
        AnsiConsole.MarkupLine($"[bold]cameo bench recovery[/]: about {settings.StateMb} MB of window state ({settings.KeyCount:N0} keys), {settings.Workers} workers, checkpoints in {Markup.Escape(Path.Combine(settings.Directory, "state"))}");
        return await Report(() => RecoveryBench.RunAsync(settings, Log, ct), r => r.Verdicts(), new DirectoryInfo(settings.Directory), ct);
    }

    private static void Log(string line) => AnsiConsole.MarkupLine($"[grey]{Markup.Escape(line)}[/]");

    /// <summary>Runs a bench, shows its result and verdicts, writes results.json; the exit code.</summary>
    internal static async Task<int> Report<TResult>(Func<Task<TResult>> run, Func<TResult, IReadOnlyList<Verdict>> show, DirectoryInfo output, CancellationToken ct)
    {
        TResult result;
        try
        {
            result = await run();
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            AnsiConsole.MarkupLine("[yellow]Cancelled.[/]");
            return 130;
        }
        catch (Exception ex) when (ex is AggregateException or InvalidOperationException or StackExchange.Redis.RedisException or TimeoutException)
        {
            AnsiConsole.MarkupLine($"[red]failed: {Markup.Escape(ex.Message)}[/]");
            return 1;
        }
        var verdicts = show(result);
        AnsiConsole.Write(Tables.Verdicts(verdicts));
        AnsiConsole.WriteLine();
        AnsiConsole.MarkupLine($"Wrote {Markup.Escape(Json.Write(output.FullName, "results.json", result))}");
        return verdicts.All(v => v.Met is not false) ? 0 : 1;
    }
}
