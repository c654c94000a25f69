using System.CommandLine;
using Cameo.Orleans;
using Cameo.Orleans.Deployment;

namespace Cameo.Cli.Commands;

/// <summary>
/// `cameo submit`: deploys a query on a running cluster by name, a built-in catalog query or a query
/// definition the silos loaded (`cameo silo --queries`), prints its key and where its instances
/// run, and with --wait follows it to the end.
/// </summary>
public static class SubmitCommand
{
    public static Command Create()
    {
        var query = new Argument<string>("query") { Description = $"A query definition the silos loaded (--queries), or a built-in: {string.Join(", ", QueryCatalog.Names.Keys)}." };
        var parameters = new Option<string[]>("--param") { Description = "A parameter of the query definition, KEY=VALUE; repeatable." };
        var rate = new Option<double>("--rate") { Description = "Built-in queries: events per second of the generator.", DefaultValueFactory = _ => 10_000 };
        var count = new Option<long?>("--count") { Description = "Built-in queries: events to generate (default: until stopped)." };
        var name = new Option<string?>("--name") { Description = "The query's name (default: the submitted name)." };
        var silos = new Option<int>("--silos") { Description = "Wait until this many silos are active before submitting (0: submit to whatever is active).", DefaultValueFactory = _ => 0 };
        var silosTimeout = new Option<double>("--silos-timeout") { Description = "Seconds to wait for --silos; then nothing is submitted.", DefaultValueFactory = _ => 60 };
        var wait = new Option<bool>("--wait") { Description = "Follow the query until it ends; exit 1 if it fails." };
        var command = new Command("submit", "Submit a query to a running cluster.")
        {
            query, parameters, rate, count, name, silos, silosTimeout, wait, ClusterConnection.Redis, ClusterConnection.Gateway,
        };
        foreach (var option in ClusterSecrets.All) command.Options.Add(option);
        command.SetAction((parse, ct) => RunAsync(new Submission(parse.GetValue(query)!, parse.GetValue(parameters) ?? [], parse.GetValue(rate), parse.GetValue(count), parse.GetValue(name),
            parse.GetValue(silos), TimeSpan.FromSeconds(parse.GetValue(silosTimeout)), parse.GetValue(wait)), parse, ct));
        return command;
    }

    private sealed record Submission(string Query, string[] Parameters, double Rate, long? Count, string? Name, int Silos, TimeSpan SilosTimeout, bool Wait);

    private static async Task<int> RunAsync(Submission submission, ParseResult parse, CancellationToken ct)
    {
        if (submission.Rate <= 0 || submission.Count <= 0 || submission.Silos < 0)
        {
            Console.Error.WriteLine("--rate and --count must be positive, --silos at least 0.");
            return 2;
        }
        var parameters = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string p in submission.Parameters)
        {
            int eq = p.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                Console.Error.WriteLine($"--param {p}: expected KEY=VALUE.");
                return 2;
            }
            parameters[p[..eq]] = p[(eq + 1)..];
        }
        bool builtIn = QueryCatalog.Contains(submission.Query);
        if (builtIn && parameters.Count > 0)
        {
            Console.Error.WriteLine($"'{submission.Query}' is a built-in query: it takes --rate and --count, not --param.");
            return 2;
        }

        using var host = await ClusterConnection.ConnectAsync(parse, ct);
        if (host is null) return 1;
        var client = host.CameoClient();
        if (submission.Silos > 0)
        {
            int active = await client.WaitForSilosAsync(submission.Silos, submission.SilosTimeout, ct);
            if (active < submission.Silos)
            {
                Console.Error.WriteLine($"Only {active} of {submission.Silos} silos became active within {submission.SilosTimeout.TotalSeconds:0} s; nothing submitted.");
                return 1;
            }
        }
        QueryStatus status;
        try
        {
            status = builtIn
                ? await client.SubmitAsync(submission.Query, submission.Rate, submission.Count, submission.Name)
                : await client.SubmitAsync(submission.Query, parameters, submission.Name);
        }
        catch (Exception ex) when (ex is ArgumentException or Dataflow.QueryDefinitionException)
        {
            Console.Error.WriteLine(ex.Message);
            return 2;
        }
        Console.WriteLine($"submitted {status.Key}");
        Console.WriteLine($"  {StatusCommand.PlacementSummary(status)}");
        if (!submission.Wait) return status.State == QueryState.Failed ? 1 : 0;
        await foreach (var s in client.ObserveAsync(status.Key, TimeSpan.FromSeconds(1), ct)) status = s;
        StatusCommand.Print(await client.StatusAsync(status.Key, StatusCommand.DefaultResults), DateTimeOffset.UtcNow);
        return status.State == QueryState.Completed ? 0 : 1;
    }
}
