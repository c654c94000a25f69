using System.CommandLine;
using Cameo.Orleans;
using Cameo.Orleans.Deployment;

namespace Cameo.Cli.Commands;

/// <summary>
/// `cameo submit`: deploys a built-in catalog query on a running cluster (silos in other processes
/// can only build queries they know by name), prints its key, and with --wait follows it to the end.
/// </summary>
public static class SubmitCommand
{
    public static Command Create()
    {
        var query = new Argument<string>("query") { Description = $"Catalog query: {string.Join(", ", QueryCatalog.Names.Keys)}." };
        var rate = new Option<double>("--rate") { Description = "Events per second of the query's generator.", DefaultValueFactory = _ => 10_000 };
        var count = new Option<long?>("--count") { Description = "Events to generate (default: until stopped)." };
        var name = new Option<string?>("--name") { Description = "The query's name (default: the catalog name)." };
        var wait = new Option<bool>("--wait") { Description = "Follow the query until it ends; exit 1 if it fails." };
        var command = new Command("submit", "Submit a catalog query to a running cluster.") { query, rate, count, name, wait, ClusterConnection.Redis, ClusterConnection.Gateway };
        command.SetAction((parse, ct) => RunAsync(parse.GetValue(query)!, parse.GetValue(rate), parse.GetValue(count), parse.GetValue(name), parse.GetValue(wait), parse, ct));
        return command;
    }

    private static async Task<int> RunAsync(string query, double rate, long? count, string? name, bool wait, ParseResult parse, CancellationToken ct)
    {
        if (!QueryCatalog.Names.ContainsKey(query))
        {
            Console.Error.WriteLine($"Unknown catalog query '{query}'. Known: {string.Join(", ", QueryCatalog.Names.Keys)}.");
            return 2;
        }
        if (rate <= 0 || count <= 0)
        {
            Console.Error.WriteLine("--rate and --count must be positive.");
            return 2;
        }
        using var host = await ClusterConnection.ConnectAsync(parse, ct);
        if (host is null) return 1;
        var client = host.CameoClient();
        var status = await client.SubmitAsync(query, rate, count, name);
        Console.WriteLine($"submitted {status.Key}");
        if (!wait) return status.State == QueryState.Failed ? 1 : 0;
        await foreach (var s in client.ObserveAsync(status.Key, TimeSpan.FromSeconds(1), ct)) status = s;
        StatusCommand.Print(status);
        return status.State == QueryState.Completed ? 0 : 1;
    }
}
