using System.CommandLine;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using Cameo.Checkpoints;
using Cameo.Dashboard;
using Cameo.Orleans;
using Cameo.Orleans.Deployment;
using Cameo.Orleans.Monitoring;
using Cameo.Redis.State;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using StackExchange.Redis;

namespace Cameo.Cli.Commands;

/// <summary>
/// `cameo silo`: runs one Orleans silo that hosts Cameo operator instances until Ctrl+C. Several
/// silos on one machine form a cluster through localhost development clustering (the first silo is
/// the primary) or through Redis membership.
/// </summary>
public static class SiloCommand
{
    public static Command Create()
    {
        var redis = ClusterConnection.Redis;
        var address = new Option<string?>("--address")
        {
            Description = "The address to listen on and advertise, with --redis (default: 127.0.0.1, reachable from this machine only).",
        };
        var port = new Option<int>("--port") { Description = "This silo's port for other silos.", DefaultValueFactory = _ => 11111 };
        var gateway = new Option<int>("--gateway") { Description = "This silo's port for clients.", DefaultValueFactory = _ => 30000 };
        var primary = new Option<int>("--primary-port") { Description = "Development clustering: the first silo's --port.", DefaultValueFactory = _ => 11111 };
        var policy = new Option<string>("--policy") { Description = $"Scheduling policy: cameo, fifo, edf, llf, sjf, or {CameoSiloOptions.OrleansDefault}.", DefaultValueFactory = _ => "cameo" };
        var turns = new Option<int?>("--turns") { Description = "Grains processing at once (default: one per core). Silos on one machine should split its cores between them." };
        var queries = new Option<string[]>("--queries")
        {
            Description = "An assembly whose public IQueryDefinition classes this silo can run (`cameo submit NAME`); repeatable. Every silo should load the same.",
            AllowMultipleArgumentsPerToken = false,
        };
        var checkpoints = Duration.Option("--checkpoint-every",
            "Checkpoint the queries this silo coordinates at this interval, into the --redis server (give every silo the same): a query whose silo dies then rolls back to its last checkpoint on the surviving silos instead of failing.");
        var command = new Command("silo", "Run an Orleans silo that hosts Cameo queries (Ctrl+C to stop).")
        {
            redis, address, port, gateway, primary, policy, turns, queries, checkpoints, DashboardSettings.Enable, DashboardSettings.Port,
        };
        foreach (var option in ClusterSecrets.All) command.Options.Add(option);
        command.SetAction((parse, ct) =>
        {
            if (parse.GetValue(address) is { } text && !IPAddress.TryParse(text, out _))
            {
                Console.Error.WriteLine($"--address {text}: not an IP address.");
                return Task.FromResult(2);
            }
            var (password, tls, problem) = ClusterSecrets.Read(parse);
            if (problem is not null)
            {
                Console.Error.WriteLine(problem);
                return Task.FromResult(2);
            }
            var settings = new SiloSettings(parse.GetValue(redis), parse.GetValue(port), parse.GetValue(gateway), parse.GetValue(primary), parse.GetValue(policy)!, parse.GetValue(turns),
                parse.GetValue(queries), parse.GetValue(address) is { } a ? IPAddress.Parse(a) : null);
            var checkpointEvery = parse.GetValue(checkpoints);
            if (checkpointEvery is not null && settings.Redis is null)
            {
                Console.Error.WriteLine("--checkpoint-every needs --redis: the silos keep their checkpoints in the Redis server.");
                return Task.FromResult(2);
            }
            return RunAsync(settings, password, tls, DashboardSettings.From(parse), checkpointEvery, ct);
        });
        return command;
    }

    private static async Task<int> RunAsync(SiloSettings settings, string? redisPassword, X509Certificate2? tls, DashboardOptions? dashboardOptions, TimeSpan? checkpointEvery, CancellationToken ct)
    {
        IHost host;
        IReadOnlyCollection<IQueryDefinition> definitions;
        await using var checkpointStore = checkpointEvery is null ? null : await ConnectionMultiplexer.ConnectAsync(ClusterHosting.RedisOptions(settings.Redis!, redisPassword));
        try
        {
            host = ClusterHosting.BuildSilo(settings, redisPassword, tls, o =>
            {
                if (checkpointStore is not null)
                    o.Checkpoints = new CheckpointOptions { Store = new RedisStateStore(checkpointStore), Interval = checkpointEvery!.Value };
            });
            definitions = host.Services.GetRequiredService<QueryDefinitions>().Loaded; // duplicate names fail here, before the silo joins
        }
        catch (Exception ex) when (ex is ArgumentException or IOException or BadImageFormatException)
        {
            Console.Error.WriteLine(ex.Message);
            return 2;
        }
        await host.StartAsync(ct);
        string membership = settings.Redis is null ? $"development clustering, primary port {settings.PrimarySiloPort}" : $"Redis {settings.Redis}, address {settings.Address ?? IPAddress.Loopback}";
        string loaded = definitions.Count == 0 ? "" : $", queries {string.Join(", ", definitions.Select(d => d.Name))}";
        // Scripts and tests wait for this line.
        string checkpointing = checkpointEvery is { } every ? $", checkpoints every {every.TotalMilliseconds:0} ms" : "";
        Console.WriteLine($"silo started: port {settings.SiloPort}, gateway {settings.GatewayPort}, {membership}, policy {settings.Policy}, {settings.Turns ?? Environment.ProcessorCount} turn(s){(tls is null ? "" : ", TLS")}{checkpointing}{loaded}");
        DashboardServer? dashboard = null;
        try
        {
            if (dashboardOptions is not null) dashboard = await StartDashboardAsync(host, settings, dashboardOptions, ct);
        }
        catch (IOException ex)
        {
            // The silo serves its cluster without the page (the port is taken, say).
            Console.Error.WriteLine($"dashboard not started: {ex.Message}");
        }
        await using var dashboardLifetime = dashboard;
        // Until Ctrl+C or SIGTERM (the host's console lifetime), or the command's cancellation; then a graceful stop.
        await host.WaitForShutdownAsync(ct);
        host.Dispose();
        return 0;
    }

    /// <summary>The cluster's dashboard, served by this silo: every silo's queries and utilization.</summary>
    private static async Task<DashboardServer> StartDashboardAsync(IHost host, SiloSettings settings, DashboardOptions options, CancellationToken ct)
    {
        var source = new ClusterDashboardSource(host.Services.GetRequiredService<IGrainFactory>(), $"cluster, seen from silo port {settings.SiloPort}");
        var server = await DashboardServer.StartAsync(source, options, ct);
        Console.WriteLine($"dashboard: {server.Address}");
        return server;
    }
}
