using Cameo.Monitoring;
using Cameo.Orleans.Grains;

namespace Cameo.Orleans.Monitoring;

/// <summary>
/// A <see cref="IDashboardSource"/> for a cluster, used by <c>cameo silo --dashboard</c>: asks every
/// active silo's <see cref="ISiloMonitorGrain"/> for its report, and shows each query as each silo
/// measured it (latency where its sinks run) beside the utilization of every silo.
/// </summary>
public sealed class ClusterDashboardSource(IGrainFactory grains, string title) : IDashboardSource
{
    /// <summary>How long a silo may take to answer before the snapshot shows it as not answering.</summary>
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    public async ValueTask<DashboardSnapshot> SnapshotAsync(CancellationToken cancellationToken = default)
    {
        var silos = (await grains.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true).WaitAsync(Timeout, cancellationToken).ConfigureAwait(false)).Keys
            .OrderBy(s => s.ToString(), StringComparer.Ordinal).ToArray();
        var reports = await Task.WhenAll(silos.Select(async silo =>
        {
            try
            {
                return await grains.GetGrain<ISiloMonitorGrain>(silo.ToParsableString()).Report().WaitAsync(Timeout, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                return new SiloReport($"{silo.Endpoint} (no answer: {ex.GetType().Name})", "?", 0, [], []);
            }
        })).ConfigureAwait(false);

        // Each query's state as its coordinator knows it.
        var keys = reports.SelectMany(r => r.Keys).Distinct().ToArray();
        var states = new Dictionary<string, string>();
        foreach (var (key, status) in keys.Zip(await Task.WhenAll(keys.Select(k => StateAsync(k, cancellationToken))).ConfigureAwait(false)))
            states[key] = status;
        var panels = reports.SelectMany(r => r.Queries.Zip(r.Keys, (panel, key) => panel with { State = states.GetValueOrDefault(key, panel.State) }))
            .OrderBy(p => p.Name, StringComparer.Ordinal).ThenBy(p => p.Location, StringComparer.Ordinal).ToList();
        string policy = string.Join(", ", reports.Select(r => r.Policy).Where(p => p != "?").Distinct());
        return new DashboardSnapshot(DateTimeOffset.UtcNow, title, "orleans", policy.Length == 0 ? "?" : policy, panels,
            [.. reports.Select(r => new WorkerLoad($"silo {r.Silo}", r.Utilization))],
            panels.Any(p => p.QueueDepth is null) ? "silos under orleans-default leave waiting messages in Orleans' own queues" : null);
    }

    private async Task<string> StateAsync(string key, CancellationToken cancellationToken)
    {
        try
        {
            var status = await grains.GetGrain<IQueryGrain>(key).Status().WaitAsync(Timeout, cancellationToken).ConfigureAwait(false);
            return status.State.ToString().ToLowerInvariant();
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested && ex is TimeoutException or OrleansException)
        {
            return "unknown";
        }
    }
}
