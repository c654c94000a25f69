using System.CommandLine;
using System.Globalization;
using Cameo.Orleans;
using Cameo.Orleans.Deployment;
using Cameo.Orleans.Grains;
using Microsoft.Extensions.Hosting;

namespace Cameo.Cli.Commands;

/// <summary>`cameo status`: lists a cluster's queries, or shows (and optionally stops) one.</summary>
public static class StatusCommand
{
    /// <summary>Results shown unless --results says otherwise.</summary>
    public const int DefaultResults = QueryGrain.DefaultResults;

    public static Command Create()
    {
        var key = new Argument<string?>("key") { Description = "A query's key (as printed by submit); omit to list all.", Arity = ArgumentArity.ZeroOrOne };
        var stop = new Option<bool>("--stop") { Description = "Stop the query's sources; it flushes and completes." };
        var results = new Option<int>("--results")
        {
            Description = $"How many of the query's last results to show (its coordinator keeps {QueryGrain.KeptResults}).",
            DefaultValueFactory = _ => DefaultResults,
        };
        var command = new Command("status", "Show the queries running on a cluster.") { key, stop, results, ClusterConnection.Redis, ClusterConnection.Gateway };
        foreach (var option in ClusterSecrets.All) command.Options.Add(option);
        command.SetAction((parse, ct) => RunAsync(parse.GetValue(key), parse.GetValue(stop), parse.GetValue(results), parse, ct));
        return command;
    }

    private static async Task<int> RunAsync(string? key, bool stop, int results, ParseResult parse, CancellationToken ct)
    {
        if (results < 0)
        {
            Console.Error.WriteLine("--results must be at least 0.");
            return 2;
        }
        using var host = await ClusterConnection.ConnectAsync(parse, ct);
        if (host is null) return 1;
        var client = host.CameoClient();
        var now = DateTimeOffset.UtcNow;
        if (key is null)
        {
            var all = await client.ListAsync();
            if (all.Length == 0) Console.WriteLine("no queries");
            foreach (var s in all)
                Console.WriteLine($"{s.Key}  {s.Name}  {s.State}  outputs {s.Outputs}  {Times(s, now)}{(s.Error is null ? "" : "  " + s.Error)}");
            return 0;
        }
        if (stop) await client.StopAsync(key);
        Print(await client.StatusAsync(key, results), now);
        return 0;
    }

    /// <summary>Prints one query's status; times are UTC, with how long ago (relative to <paramref name="now"/>).</summary>
    public static void Print(QueryStatus s, DateTimeOffset now)
    {
        Console.WriteLine($"query {s.Name} ({s.Key}): {s.State}, {s.Outputs} outputs, coordinator @ {s.Coordinator}");
        Console.WriteLine($"  {Times(s, now)}");
        if (s.Error is not null) Console.WriteLine($"  error{(s.FailedAt is null ? "" : " in " + s.FailedAt)}: {s.Error}");
        Console.WriteLine($"  {PlacementSummary(s)}");
        foreach (var p in s.Placement) Console.WriteLine($"  instance {p}");
        if (s.RecentResults.Length > 0) Console.WriteLine($"  last {s.RecentResults.Length} result(s):");
        foreach (var r in s.RecentResults) Console.WriteLine($"  result {r}");
    }

    /// <summary>How many silos the query's instances run on, e.g. "5 instance(s) on 2 silo(s): S127.0.0.1:11111 (3), ...".</summary>
    public static string PlacementSummary(QueryStatus s)
    {
        var silos = s.Placement.Select(p => p[(p.LastIndexOf(" @ ", StringComparison.Ordinal) + 3)..]).GroupBy(x => x).ToList();
        return $"{s.Placement.Length} instance(s) on {silos.Count} silo(s): {string.Join(", ", silos.Select(g => $"{g.Key} ({g.Count()})"))}";
    }

    /// <summary>"submitted 2026-01-02T03:04:05Z (12 s ago), ended after 8.1 s".</summary>
    public static string Times(QueryStatus s, DateTimeOffset now)
    {
        if (s.Submitted is not { } submitted) return "submitted: unknown";
        string text = $"submitted {Iso(submitted)} ({Ago(now - submitted)})";
        return s.Ended is { } ended ? $"{text}, ended {Iso(ended)} after {Span(ended - submitted)}" : $"{text}, running for {Span(now - submitted)}";
    }

    private static string Iso(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static string Ago(TimeSpan t) => $"{Span(t)} ago";

    private static string Span(TimeSpan t) =>
        t < TimeSpan.Zero ? "0 s"
        : t.TotalSeconds < 60 ? $"{t.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture)} s"
        : t.TotalMinutes < 60 ? $"{(int)t.TotalMinutes} min {t.Seconds} s"
        : $"{(int)t.TotalHours} h {t.Minutes} min";
}

/// <summary>How `submit` and `status` reach a cluster: Redis membership, or a local silo's gateway.</summary>
internal static class ClusterConnection
{
    public static readonly Option<string?> Redis = new("--redis") { Description = "Redis membership at HOST:PORT[,StackExchange.Redis options] (default: development clustering on 127.0.0.1); the password goes in --redis-password-file or CAMEO_REDIS_PASSWORD." };
    public static readonly Option<int> Gateway = new("--gateway") { Description = "Development clustering: a local silo's gateway port.", DefaultValueFactory = _ => 30000 };

    /// <summary>A connected client host, or null after printing why the cluster cannot be reached.</summary>
    public static async Task<IHost?> ConnectAsync(ParseResult parse, CancellationToken ct)
    {
        var (password, tls, problem) = ClusterSecrets.Read(parse);
        if (problem is not null)
        {
            Console.Error.WriteLine(problem);
            return null;
        }
        try
        {
            return await ClusterHosting.ConnectAsync(parse.GetValue(Redis), parse.GetValue(Gateway), ct, redisPassword: password, tls: tls);
        }
        catch (TimeoutException ex)
        {
            Console.Error.WriteLine(ex.Message);
            return null;
        }
    }
}
