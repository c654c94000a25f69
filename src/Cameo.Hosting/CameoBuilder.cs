using Microsoft.Extensions.DependencyInjection;

namespace Cameo.Hosting;

/// <summary>Registers the queries of the host's <see cref="CameoEngine"/> (returned by <see cref="CameoServiceCollectionExtensions.AddCameo(IServiceCollection, Action{EngineOptions}?)"/>).</summary>
public sealed class CameoBuilder
{
    internal CameoBuilder(IServiceCollection services) => Services = services;

    /// <summary>The services the engine is registered in.</summary>
    public IServiceCollection Services { get; }

    /// <summary>Registers a query defined by a delegate, as <see cref="CameoEngine.AddQuery"/> takes it.</summary>
    /// <param name="name">Unique name, used in metrics and errors.</param>
    /// <param name="latencyTarget">How soon after its frontier event each output must be emitted.</param>
    /// <param name="define">Builds the dataflow.</param>
    public CameoBuilder AddQuery(string name, TimeSpan latencyTarget, Action<QueryBuilder> define)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(define);
        Services.AddSingleton<ICameoQuery>(new DelegateQuery(name, latencyTarget, define));
        return this;
    }

    /// <summary>Registers a query class, created by dependency injection when the engine is first resolved.</summary>
    public CameoBuilder AddQuery<TQuery>() where TQuery : class, ICameoQuery
    {
        Services.AddSingleton<ICameoQuery, TQuery>();
        return this;
    }
}
