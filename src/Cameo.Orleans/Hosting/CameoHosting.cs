using System.Reflection;
using Cameo.Orleans.Deployment;
using Cameo.Orleans.Wire;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Orleans.Serialization;
using Orleans.Storage;

namespace Cameo.Orleans;

/// <summary>Registers Cameo on Orleans silos and clients.</summary>
public static class CameoHosting
{
    /// <summary>The configuration section <see cref="CameoSiloOptions"/> are bound from by default.</summary>
    public const string ConfigurationSection = "Cameo:Silo";

    /// <summary>
    /// The grain storage that keeps each query coordinator's record and the cluster's list of queries,
    /// so that a coordinator re-activated on another silo resumes its query (see <see cref="Grains.QueryGrain"/>).
    /// <see cref="AddCameo(ISiloBuilder, Action{CameoSiloOptions}?)"/> registers in-memory storage under this
    /// name unless the silo already has storage by it, and an in-memory reminder table unless it has one
    /// (a running query's reminder wakes its coordinator); a cluster that must survive the death of a
    /// silo registers shared, durable ones first (<see cref="AddCameoRedisQueryStorage"/>, as <c>cameo silo --redis</c> does).
    /// </summary>
    public const string QueryStorage = "cameo-queries";

    /// <summary>
    /// Keeps the query coordinators' records (<see cref="QueryStorage"/>) and their reminders in Redis,
    /// so that they survive the death of any silo. Call before <see cref="AddCameo(ISiloBuilder, Action{CameoSiloOptions}?)"/>.
    /// </summary>
    /// <param name="builder">The silo.</param>
    /// <param name="redis">The Redis connection, e.g. <see cref="ClusterHosting.RedisOptions"/>.</param>
    public static ISiloBuilder AddCameoRedisQueryStorage(this ISiloBuilder builder, StackExchange.Redis.ConfigurationOptions redis)
    {
        builder.AddRedisGrainStorage(QueryStorage, (OptionsBuilder<global::Orleans.Persistence.RedisStorageOptions> options) => options.Configure<Serializer>((o, serializer) =>
        {
            o.ConfigurationOptions = redis;
            o.GrainStorageSerializer = new OrleansGrainStorageSerializer(serializer); // the records' own [GenerateSerializer] codecs
        }));
        return builder.UseRedisReminderService(o => o.ConfigurationOptions = redis);
    }

    /// <summary>
    /// Lets this silo host Cameo operator instances. <see cref="CameoSiloOptions"/> are bound from the
    /// configuration section <c>Cameo:Silo</c> (when the host has a configuration; the policy by name,
    /// e.g. <c>"Policy": "orleans-default"</c>), then <paramref name="configure"/> runs; they are
    /// validated when the silo starts.
    /// </summary>
    public static ISiloBuilder AddCameo(this ISiloBuilder builder, Action<CameoSiloOptions>? configure = null) =>
        builder.AddCameo(ConfigurationSection, configure);

    /// <summary><see cref="AddCameo(ISiloBuilder, Action{CameoSiloOptions}?)"/>, binding the options from <paramref name="configurationSection"/>.</summary>
    public static ISiloBuilder AddCameo(this ISiloBuilder builder, string configurationSection, Action<CameoSiloOptions>? configure = null)
    {
        var options = builder.Services.AddOptions<CameoSiloOptions>()
            .Configure<IServiceProvider>((o, sp) => sp.GetService<IConfiguration>()?.GetSection(configurationSection).Bind(o));
        if (configure is not null) options.Configure(configure);
        options.ValidateOnStart();
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<CameoSiloOptions>, SiloOptionsValidator>());
        builder.Services.AddSingleton(sp => new CameoSilo(sp.GetRequiredService<IOptions<CameoSiloOptions>>().Value,
            sp.GetService<Microsoft.Extensions.Hosting.IHostApplicationLifetime>()?.ApplicationStopping ?? default));
        builder.Services.AddSingleton<Monitoring.SiloMonitor>();
        builder.Services.AddPlacementDirector<Monitoring.OwnSiloPlacement, Monitoring.OwnSiloPlacementDirector>();
        builder.Services.TryAddSingleton<QueryDefinitions>();
        builder.Services.AddCameoSerialization();
        if (!builder.Services.Any(d => d.ServiceType == typeof(IGrainStorage) && Equals(d.ServiceKey, QueryStorage)))
            builder.AddMemoryGrainStorage(QueryStorage);
        if (!builder.Services.Any(d => d.ServiceType == typeof(IReminderTable))) builder.UseInMemoryReminderService();
        return builder;
    }

    /// <summary>
    /// Lets this silo run the <see cref="IQueryDefinition"/>s of <paramref name="assembly"/> (every
    /// public class implementing it with a public parameterless constructor), submitted by name
    /// (<see cref="CameoClient.SubmitAsync(string, IReadOnlyDictionary{string, string}, string?, int, int)"/>).
    /// Every silo of the cluster should load the same assemblies.
    /// </summary>
    /// <exception cref="ArgumentException">The assembly defines no query.</exception>
    public static ISiloBuilder AddCameoQueries(this ISiloBuilder builder, Assembly assembly)
    {
        foreach (var type in QueryDefinitions.TypesIn(assembly)) builder.Services.AddSingleton(typeof(IQueryDefinition), type);
        JsonTypes.Allow(assembly);
        return builder;
    }

    /// <summary>Lets this client submit and observe Cameo queries.</summary>
    public static IClientBuilder AddCameo(this IClientBuilder builder)
    {
        builder.Services.AddCameoSerialization();
        return builder;
    }

    /// <summary>
    /// Orleans codecs for Cameo's messages come from surrogates (MessageSurrogates.cs). Records
    /// inside batches need codecs too: types with <c>[GenerateSerializer]</c> use their own; Cameo's
    /// result types (such as <c>WindowResult</c>) and the application's record types travel as
    /// System.Text.Json, restricted to an allow-list (<see cref="JsonTypes"/>).
    /// </summary>
    public static IServiceCollection AddCameoSerialization(this IServiceCollection services) =>
        services.AddSerializer(s => s.AddJsonSerializer(isSupported: JsonTypes.UsesJson));
}

/// <summary>Fails the silo's start when <see cref="CameoSiloOptions"/> cannot run, naming every problem.</summary>
internal sealed class SiloOptionsValidator : IValidateOptions<CameoSiloOptions>
{
    public ValidateOptionsResult Validate(string? name, CameoSiloOptions options)
    {
        var problems = options.Problems();
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems.Select(p => $"Cameo silo: {p}"));
    }
}
