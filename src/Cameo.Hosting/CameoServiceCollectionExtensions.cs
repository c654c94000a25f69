using System.Diagnostics.Metrics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Cameo.Hosting;

/// <summary>Adds a <see cref="CameoEngine"/> to a host.</summary>
public static class CameoServiceCollectionExtensions
{
    /// <summary>The configuration section <see cref="EngineOptions"/> are bound from by default.</summary>
    public const string ConfigurationSection = "Cameo";

    /// <summary>
    /// Adds a <see cref="CameoEngine"/> singleton and a hosted service that starts it with the host
    /// and drains it on shutdown. <see cref="EngineOptions"/> are bound from the configuration section
    /// <c>Cameo</c> (when the host has a configuration), then <paramref name="configure"/> runs; they are
    /// validated when the host starts. The engine logs through the host's <see cref="ILoggerFactory"/>
    /// and publishes on a <c>Cameo</c> meter from the host's <see cref="IMeterFactory"/> unless the
    /// options name others.
    /// </summary>
    /// <returns>A builder to register the engine's queries with.</returns>
    public static CameoBuilder AddCameo(this IServiceCollection services, Action<EngineOptions>? configure = null) =>
        services.AddCameo(ConfigurationSection, configure);

    /// <summary>
    /// <see cref="AddCameo(IServiceCollection, Action{EngineOptions}?)"/>, binding <see cref="EngineOptions"/> from
    /// <paramref name="configurationSection"/> (a path such as <c>"Streaming:Cameo"</c>).
    /// </summary>
    public static CameoBuilder AddCameo(this IServiceCollection services, string configurationSection, Action<EngineOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrWhiteSpace(configurationSection);
        var options = services.AddOptions<EngineOptions>()
            .Configure<IServiceProvider>((o, sp) => sp.GetService<IConfiguration>()?.GetSection(configurationSection).Bind(o));
        if (configure is not null) options.Configure(configure);
        options.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<EngineOptions>, EngineOptionsValidator>());
        services.TryAddSingleton(CreateEngine);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, CameoHostedService>());
        return new CameoBuilder(services);
    }

    /// <summary>The engine, with the host's logging and meters unless the options name others, and every registered query deployed.</summary>
    private static CameoEngine CreateEngine(IServiceProvider services)
    {
        var options = services.GetRequiredService<IOptions<EngineOptions>>().Value;
        if (ReferenceEquals(options.LoggerFactory, NullLoggerFactory.Instance) && services.GetService<ILoggerFactory>() is { } loggers)
            options.LoggerFactory = loggers;
        options.MeterFactory ??= services.GetService<IMeterFactory>();
        var engine = new CameoEngine(options);
        foreach (var query in services.GetServices<ICameoQuery>())
            engine.AddQuery(query.Name, query.LatencyTarget, query.Define);
        return engine;
    }
}
