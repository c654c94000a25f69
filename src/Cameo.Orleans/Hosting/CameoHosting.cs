using System.Reflection;
using Cameo.Orleans.Deployment;
using Cameo.Orleans.Wire;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Orleans.Serialization;

namespace Cameo.Orleans;

/// <summary>Registers Cameo on Orleans silos and clients.</summary>
public static class CameoHosting
{
    /// <summary>Lets this silo host Cameo operator instances, scheduled as <paramref name="configure"/> says.</summary>
    public static ISiloBuilder AddCameo(this ISiloBuilder builder, Action<CameoSiloOptions>? configure = null)
    {
        var options = new CameoSiloOptions();
        configure?.Invoke(options);
        builder.Services.AddSingleton(new CameoSilo(options));
        builder.Services.AddSingleton<Monitoring.SiloMonitor>();
        builder.Services.TryAddSingleton<QueryDefinitions>();
        builder.Services.AddCameoSerialization();
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
