using System.CommandLine;
using Cameo.Orleans;
using Cameo.Orleans.Deployment;
using Microsoft.Extensions.Hosting;

namespace Cameo.Cli.Commands;

/// <summary>`cameo status`: lists a cluster's queries, or shows (and optionally stops) one.</summary>
public static class StatusCommand
{
    public static Command Create()
    {
        var key = new Argument<string?>("key") { Description = "A query's key (as printed by submit); omit to list all.", Arity = ArgumentArity.ZeroOrOne };
        var stop = new Option<bool>("--stop") { Description = "Stop the query's sources; it flushes and completes." };
        var command = new Command("status", "Show the queries running on a cluster.") { key, stop, ClusterConnection.Redis, ClusterConnection.Gateway };
        command.SetAction((parse, ct) => RunAsync(parse.GetValue(key), parse.GetValue(stop), parse, ct));
        return command;
    }

    private static async Task<int> RunAsync(string? key, bool stop, ParseResult parse, CancellationToken ct)
    {
        using var host = await ClusterConnection.ConnectAsync(parse, ct);
        if (host is null) return 1;
        var client = host.CameoClient();
        if (key is null)
        {
            var all = await client.ListAsync();
            if (all.Length == 0) Console.WriteLine("no queries");
            foreach (var s in all) Console.WriteLine($"{s.Key}  {s.Name}  {s.State}  outputs {s.Outputs}{(s.Error is null ? "" : "  " + s.Error)}");
            return 0;
        }
        if (stop) await client.StopAsync(key);
        Print(await client.StatusAsync(key));
        return 0;
    }

    /// <summary>Prints one query's status.</summary>
    public static void Print(QueryStatus s)
    {
        Console.WriteLine($"query {s.Name} ({s.Key}): {s.State}, {s.Outputs} outputs, coordinator @ {s.Coordinator}");
        if (s.Error is not null) Console.WriteLine($"  error{(s.FailedAt is null ? "" : " in " + s.FailedAt)}: {s.Error}");
        foreach (var p in s.Placement) Console.WriteLine($"  instance {p}");
        foreach (var r in s.RecentResults) Console.WriteLine($"  result {r}");
    }
}

/// <summary>How `submit` and `status` reach a cluster: Redis membership, or a local silo's gateway.</summary>
internal static class ClusterConnection
{
    public static readonly Option<string?> Redis = new("--redis") { Description = "Find the cluster through Redis membership at HOST:PORT." };
    public static readonly Option<int> Gateway = new("--gateway") { Description = "Development clustering: a local silo's gateway port.", DefaultValueFactory = _ => 30000 };

    /// <summary>A connected client host, or null after printing why the cluster cannot be reached.</summary>
    public static async Task<IHost?> ConnectAsync(ParseResult parse, CancellationToken ct)
    {
        try
        {
            return await ClusterHosting.ConnectAsync(parse.GetValue(Redis), parse.GetValue(Gateway), ct);
        }
        catch (TimeoutException ex)
        {
            Console.Error.WriteLine(ex.Message);
            return null;
        }
    }
}
