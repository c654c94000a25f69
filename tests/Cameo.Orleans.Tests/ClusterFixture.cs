namespace Cameo.Orleans.Tests;

/// <summary>A 2-silo in-process cluster scheduling by Cameo's policy, shared by the tests of one class.</summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    public InProcessCluster Cluster { get; private set; } = null!;

    public async Task InitializeAsync() => Cluster = await InProcessCluster.StartAsync(2, o => o.Policy = Cameo.Scheduling.SchedulingPolicies.Cameo);

    public async Task DisposeAsync() => await Cluster.DisposeAsync();

    /// <summary>An engine whose queries run on this cluster.</summary>
    public CameoEngine Engine() => CameoEngine.Create(o => o.Runtime = _ => new OrleansRuntime(Cluster.Client, workers: 4, home: Cluster.Silos[0]));
}
