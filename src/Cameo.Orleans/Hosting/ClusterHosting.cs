using System.Net;
using System.Security.Cryptography.X509Certificates;
using Cameo.Orleans.Deployment;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;

namespace Cameo.Orleans;

/// <summary>How a <c>cameo silo</c> process joins its cluster.</summary>
/// <param name="Redis">Redis membership (<c>HOST:PORT</c>), or null for localhost development clustering.</param>
/// <param name="SiloPort">This silo's port for other silos.</param>
/// <param name="GatewayPort">This silo's port for clients.</param>
/// <param name="PrimarySiloPort">Development clustering only: the silo port of the cluster's first silo.</param>
/// <param name="Policy">A scheduling policy name, or <c>orleans-default</c>.</param>
/// <param name="Turns">Grains processing at once (null: one per core). Silos sharing a machine should split its cores.</param>
/// <param name="Queries">Paths of assemblies whose <see cref="IQueryDefinition"/>s this silo can run.</param>
/// <param name="Address">
/// The address this silo listens on and advertises (Redis membership only). Null: 127.0.0.1, so that
/// nothing outside this machine reaches the silo unless asked for explicitly.
/// </param>
public sealed record SiloSettings(string? Redis, int SiloPort, int GatewayPort, int PrimarySiloPort, string Policy, int? Turns = null,
    IReadOnlyList<string>? Queries = null, IPAddress? Address = null);

/// <summary>Builds silo and client hosts for clusters of separate processes on one machine.</summary>
public static class ClusterHosting
{
    public const string ClusterId = "cameo";
    public const string ServiceId = "cameo";

    /// <summary>A silo host, not yet started.</summary>
    /// <exception cref="ArgumentException">Unknown policy, fewer than one turn, or a query assembly without query definitions.</exception>
    /// <exception cref="FileNotFoundException">A query assembly does not exist.</exception>
    /// <exception cref="BadImageFormatException">A query assembly is not a .NET assembly.</exception>
    /// <param name="settings">Where the silo listens and how it schedules.</param>
    /// <param name="redisPassword">The Redis password, kept out of <paramref name="settings"/> (and so out of anything that prints them).</param>
    /// <param name="tls">The cluster's certificate: TLS with mutual authentication on every connection (see <see cref="ClusterTls"/>); null: plain TCP.</param>
    /// <param name="configure">Sets more of the silo's Cameo options (e.g. <see cref="CameoSiloOptions.Checkpoints"/>), after those of <paramref name="settings"/>.</param>
    public static IHost BuildSilo(SiloSettings settings, string? redisPassword = null, X509Certificate2? tls = null, Action<CameoSiloOptions>? configure = null)
    {
        if (settings.Turns is < 1) throw new ArgumentException($"--turns must be at least 1, not {settings.Turns}.");
        if (settings.Redis is null && settings.Address is not null && !IPAddress.IsLoopback(settings.Address))
            throw new ArgumentException("Development clustering listens on loopback only; a silo on another address needs Redis membership (--redis).");
        var policy = CameoSiloOptions.ParsePolicy(settings.Policy);
        var queryAssemblies = (settings.Queries ?? []).Select(QueryDefinitions.Load).ToList();
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Logging.ClearProviders();
        builder.Logging.AddConsole(o => o.FormatterName = CompactConsoleFormatter.FormatterName)
            .AddConsoleFormatter<CompactConsoleFormatter, Microsoft.Extensions.Logging.Console.ConsoleFormatterOptions>();
        builder.UseOrleans(silo =>
        {
            if (settings.Redis is null)
            {
                silo.UseLocalhostClustering(settings.SiloPort, settings.GatewayPort,
                    new IPEndPoint(IPAddress.Loopback, settings.PrimarySiloPort), ServiceId, ClusterId);
            }
            else
            {
                silo.UseRedisClustering(o => o.ConfigurationOptions = RedisOptions(settings.Redis, redisPassword));
                silo.AddCameoRedisQueryStorage(RedisOptions(settings.Redis, redisPassword));
                silo.Configure<ClusterOptions>(o => (o.ClusterId, o.ServiceId) = (ClusterId, ServiceId));
                silo.ConfigureEndpoints(settings.Address ?? IPAddress.Loopback, settings.SiloPort, settings.GatewayPort, listenOnAnyHostAddress: false);
            }
            silo.AddCameo(o =>
            {
                o.Policy = policy;
                o.RaiseThreadPoolMinimum = true; // a `cameo silo` process: its thread pool is the silo's to size
                if (settings.Turns is { } turns) o.Turns = turns;
                configure?.Invoke(o);
            });
            foreach (var assembly in queryAssemblies) silo.AddCameoQueries(assembly);
            if (tls is not null) silo.UseTls(tls, o => ClusterTls.Configure(o, tls));
        });
        return builder.Build();
    }

    /// <summary>Connects a client to a cluster: through Redis membership, or to a local silo's gateway port.</summary>
    /// <exception cref="TimeoutException">No silo answered within <paramref name="timeout"/> (default 15 s).</exception>
    /// <param name="redis">Redis membership (<c>HOST:PORT</c>), or null for a local silo's gateway.</param>
    /// <param name="gatewayPort">Development clustering: the gateway port of a silo on 127.0.0.1.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <param name="timeout">How long to wait for a silo.</param>
    /// <param name="redisPassword">The Redis password, if any.</param>
    /// <param name="tls">The cluster's certificate, if its silos use TLS.</param>
    public static async Task<IHost> ConnectAsync(string? redis, int gatewayPort, CancellationToken cancellationToken = default, TimeSpan? timeout = null, string? redisPassword = null,
        X509Certificate2? tls = null)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders(); // a client reports failures as exceptions, not as log noise
        builder.UseOrleansClient(client =>
        {
            if (redis is null) client.UseLocalhostClustering(gatewayPort, ServiceId, ClusterId);
            else
            {
                client.UseRedisClustering(o => o.ConfigurationOptions = RedisOptions(redis, redisPassword));
                client.Configure<ClusterOptions>(o => (o.ClusterId, o.ServiceId) = (ClusterId, ServiceId));
            }
            client.AddCameo();
            if (tls is not null) client.UseTls(tls, o => ClusterTls.Configure(o, tls));
        });
        var host = builder.Build();
        var limit = timeout ?? TimeSpan.FromSeconds(15);
        try
        {
            await host.StartAsync(cancellationToken).WaitAsync(limit, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is TimeoutException || (ex is not OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            host.Dispose();
            string where = redis is null ? $"gateway 127.0.0.1:{gatewayPort}" : $"Redis membership at {redis}";
            throw new TimeoutException($"Cannot reach a Cameo cluster through {where} within {limit.TotalSeconds:0} s: is a silo running? ({ex.Message})", ex);
        }
        return host;
    }

    /// <summary>Redis connection options from <c>HOST:PORT[,options]</c> and a password given apart from it.</summary>
    public static StackExchange.Redis.ConfigurationOptions RedisOptions(string redis, string? password)
    {
        var options = StackExchange.Redis.ConfigurationOptions.Parse(redis);
        if (password is not null) options.Password = password;
        return options;
    }

    public static CameoClient CameoClient(this IHost clientHost) => new(clientHost.Services.GetRequiredService<IClusterClient>());
}
