using System.Runtime.CompilerServices;
using Cameo.Orleans.Deployment;
using Cameo.Orleans.Grains;

namespace Cameo.Orleans;

/// <summary>
/// Submits, lists, stops and observes queries on a running cluster. Silos in separate processes can
/// only build queries they know, so submissions name a built-in <see cref="QueryCatalog"/> entry or
/// a query definition the silos loaded (<see cref="IQueryDefinition"/>); the query's coordinator plans it.
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
        if (!QueryCatalog.Contains(catalog))
            throw new ArgumentException($"Unknown catalog query '{catalog}'. Known: {string.Join(", ", QueryCatalog.Names.Keys)}.", nameof(catalog));
        return await DeployAsync(new QuerySpec(Key(name ?? catalog), name ?? catalog, catalog, [], [], 0, batchSize, maxInFlightMessages, eventsPerSecond, count)).ConfigureAwait(false);
    }

    /// <summary>
    /// Deploys the query named <paramref name="query"/>: a built-in catalog query or a query definition
    /// the silos loaded, built with <paramref name="parameters"/>. Returns its status (with its key).
    /// </summary>
    /// <param name="query">A definition's <see cref="IQueryDefinition.Name"/> (or a built-in catalog name, with its default rate).</param>
    /// <param name="parameters">What the definition reads (see its description).</param>
    /// <param name="name">The query's name; default: <paramref name="query"/>.</param>
    /// <param name="batchSize">Most records per message.</param>
    /// <param name="maxInFlightMessages">Most unacknowledged messages per sending instance (credits).</param>
    /// <exception cref="ArgumentException">The coordinator's silo knows no such query, or the definition rejected the parameters.</exception>
    public Task<QueryStatus> SubmitAsync(string query, IReadOnlyDictionary<string, string> parameters, string? name = null,
        int batchSize = Execution.HostFactory.DefaultBatchSize, int maxInFlightMessages = 256)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(query);
        return DeployAsync(new QuerySpec(Key(name ?? query), name ?? query, query, [], [], 0, batchSize, maxInFlightMessages, 10_000, null,
            new Dictionary<string, string>(parameters)));
    }

    private static string Key(string name) => $"{name}-{Guid.NewGuid():N}";

    private Task<QueryStatus> DeployAsync(QuerySpec submission) => grains.GetGrain<IQueryGrain>(submission.Key).Deploy(submission);

    /// <summary>The silos of the cluster that are active now.</summary>
    public async Task<SiloAddress[]> ActiveSilosAsync() =>
        [.. (await grains.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true).ConfigureAwait(false)).Keys];

    /// <summary>
    /// Waits until at least <paramref name="silos"/> silos are active, for up to <paramref name="timeout"/>;
    /// returns how many are (fewer than asked when the time ran out). A query submitted before a silo is
    /// active places none of its instances there.
    /// </summary>
    public async Task<int> WaitForSilosAsync(int silos, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var until = DateTime.UtcNow + timeout;
        while (true)
        {
            int active = (await ActiveSilosAsync().ConfigureAwait(false)).Length;
            if (active >= silos || DateTime.UtcNow >= until) return active;
            await Task.Delay(TimeSpan.FromMilliseconds(250), cancellationToken).ConfigureAwait(false);
        }
    }

    public Task<QueryStatus> StatusAsync(string key) => grains.GetGrain<IQueryGrain>(key).Status();

    /// <summary>The query's status with up to its last <paramref name="results"/> results (the coordinator keeps <see cref="QueryGrain.KeptResults"/>).</summary>
    public Task<QueryStatus> StatusAsync(string key, int results) => grains.GetGrain<IQueryGrain>(key).Status(results);

    /// <summary>Every query the cluster's directory knows, with its status.</summary>
    public async Task<QueryStatus[]> ListAsync()
    {
        var keys = await grains.GetGrain<IQueryDirectoryGrain>(0).List().ConfigureAwait(false);
        return await Task.WhenAll(keys.Select(k => StatusAsync(k))).ConfigureAwait(false);
    }

    /// <summary>A line per instance of query <paramref name="key"/>: its queues, credits and turn (diagnostics).</summary>
    public async Task<string[]> DescribeAsync(string key)
    {
        var status = await StatusAsync(key).ConfigureAwait(false);
        return await Task.WhenAll(Enumerable.Range(0, status.Placement.Length)
            .Select(i => grains.GetGrain<IInstanceGrain>(InstanceKeys.Of(key, i, status.Incarnation)).Describe())).ConfigureAwait(false);
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
