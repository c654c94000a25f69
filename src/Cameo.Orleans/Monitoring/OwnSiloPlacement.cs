using Orleans.Placement;
using Orleans.Runtime.Placement;

namespace Cameo.Orleans.Monitoring;

/// <summary>
/// Places a grain keyed by a silo's address (<see cref="SiloAddress.ToParsableString"/>) on that
/// silo: a per-silo grain such as <see cref="ISiloMonitorGrain"/> is activated where it reports from.
/// </summary>
[Serializable, GenerateSerializer, Immutable, Alias("cameo.own-silo-placement")]
public sealed class OwnSiloPlacement : PlacementStrategy;

/// <summary>Marks a grain class keyed by a silo's address for <see cref="OwnSiloPlacement"/>.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class OwnSiloPlacementAttribute() : PlacementAttribute(new OwnSiloPlacement());

/// <summary>
/// The director of <see cref="OwnSiloPlacement"/>: the silo named by the grain's key, also when this
/// silo has not yet seen it join (the named silo accepts the activation itself); a key that names a
/// silo known to be stopping or dead fails the call, so no activation ever lands on another silo.
/// </summary>
internal sealed class OwnSiloPlacementDirector(ISiloStatusOracle oracle) : IPlacementDirector
{
    public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        string key = target.GrainIdentity.Key.ToString()!;
        SiloAddress silo;
        try
        {
            silo = SiloAddress.FromParsableString(key);
        }
        catch (FormatException ex)
        {
            throw new OrleansException($"Grain {target.GrainIdentity} is placed on the silo its key names, but '{key}' is not a silo address.", ex);
        }
        var status = silo.Equals(context.LocalSilo) ? SiloStatus.Active : oracle.GetApproximateSiloStatus(silo);
        if (status is SiloStatus.ShuttingDown or SiloStatus.Stopping or SiloStatus.Dead)
            throw new SiloUnavailableException($"Grain {target.GrainIdentity} is placed on silo {silo}, which is {status.ToString().ToLowerInvariant()}.");
        return Task.FromResult(silo);
    }
}
