using System.Runtime.CompilerServices;
using Cameo.Dataflow;
using Cameo.Orleans.Deployment;
using Cameo.Orleans.Grains;

namespace Cameo.Orleans;

/// <summary>
/// Submits, lists, stops and observes queries on a running cluster. Silos in separate processes can
/// only build queries they know, so submissions name a <see cref="QueryCatalog"/> entry.
/// </summary>
public sealed class CameoClient(IGrainFactory grains)
{
    /// <summary>Deploys catalog query <paramref name="catalog"/> and returns its status (with its key).</summary>
    /// <param name="catalog">A <see cref="QueryCatalog"/> name.</param>
    /// <param name="eventsPerSecond">Rate of the query's generator.</param>
    /// <param name="count">Events to generate, or null to run until stopped.</param>
    /// <param name="name">The query's name; default: the catalog name.</param>
    /// <param name="batchSize">Most records per message.</param>
    /// <param name="maxInFlightMessages">Most unacknowledged messages per sending instance (credits).</param>
    /// <exception cref="ArgumentException">Unknown catalog name, or a non-positive rate.</exception>
    public async Task<QueryStatus> SubmitAsync(string catalog, double eventsPerSecond, long? count = null, string? name = null,
        int batchSize = Execution.HostFactory.DefaultBatchSize, int maxInFlightMessages = 256)
    {
        if (eventsPerSecond <= 0) throw new ArgumentException($"The event rate must be positive (was {eventsPerSecond}).", nameof(eventsPerSecond));
        name ??= catalog;
        var plan = QueryCatalog.Plan(catalog, name, batchSize).Plan; // validates the name, counts the instances
        var spec = new QuerySpec($"{name}-{Guid.NewGuid():N}", name, catalog,
            Instances: [.. plan.Instances.Select(i => $"{i.Node.Name}[{i.Partition}]")],
            Sources: [.. plan.Instances.Select((inst, i) => (inst, i)).Where(x => x.inst.Node.Kind == NodeKind.Source).Select(x => x.i)],
            Sinks: plan.SinkInstances, batchSize, maxInFlightMessages, eventsPerSecond, count);
        return await grains.GetGrain<IQueryGrain>(spec.Key).Deploy(spec).ConfigureAwait(false);
    }

    public Task<QueryStatus> StatusAsync(string key) => grains.GetGrain<IQueryGrain>(key).Status();

    /// <summary>Every query the cluster's directory knows, with its status.</summary>
    public async Task<QueryStatus[]> ListAsync()
    {
        var keys = await grains.GetGrain<IQueryDirectoryGrain>(0).List().ConfigureAwait(false);
        return await Task.WhenAll(keys.Select(StatusAsync)).ConfigureAwait(false);
    }

    /// <summary>A line per instance of query <paramref name="key"/>: its queues, credits and turn (diagnostics).</summary>
    public async Task<string[]> DescribeAsync(string key)
    {
        var status = await StatusAsync(key).ConfigureAwait(false);
        return await Task.WhenAll(Enumerable.Range(0, status.Placement.Length)
            .Select(i => grains.GetGrain<IInstanceGrain>($"{key}/{i}").Describe())).ConfigureAwait(false);
    }

    /// <summary>Stops a query's sources; its windows flush and it completes.</summary>
    public Task StopAsync(string key) => grains.GetGrain<IQueryGrain>(key).Stop();

    /// <summary>The query's status every <paramref name="every"/>, until it has ended (the last one yielded is terminal).</summary>
    public async IAsyncEnumerable<QueryStatus> ObserveAsync(string key, TimeSpan every, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        while (true)
        {
            var status = await StatusAsync(key).ConfigureAwait(false);
            yield return status;
            if (status.IsTerminal) yield break;
            await Task.Delay(every, cancellationToken).ConfigureAwait(false);
        }
    }
}
