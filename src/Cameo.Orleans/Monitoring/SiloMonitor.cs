using System.Diagnostics;
using Cameo.Monitoring;
using Cameo.Orleans.Deployment;

namespace Cameo.Orleans.Monitoring;

/// <summary>What one silo reports to a dashboard: its utilization since its previous report, and its queries' measurements.</summary>
/// <param name="Silo">The silo's endpoint.</param>
/// <param name="Policy">Its scheduling policy.</param>
/// <param name="Utilization">Share of its turns held since the previous report (process CPU under <c>orleans-default</c>).</param>
/// <param name="Queries">The queries measured on this silo: a query's latency is measured where its sinks run, its input rate where its sources run.</param>
/// <param name="Keys">The cluster key of each of <paramref name="Queries"/>.</param>
[GenerateSerializer, Immutable, Alias("cameo.silo-report")]
public sealed record SiloReport(
    [property: Id(0)] string Silo,
    [property: Id(1)] string Policy,
    [property: Id(2)] double Utilization,
    [property: Id(3)] QueryPanel[] Queries,
    [property: Id(4)] string[] Keys);

/// <summary>
/// A silo's own measurements for dashboards: one per silo (a service of <see cref="CameoHosting.AddCameo(ISiloBuilder, Action{CameoSiloOptions}?)"/>),
/// read through that silo's <see cref="ISiloMonitorGrain"/>.
/// </summary>
public sealed class SiloMonitor(CameoSilo silo, ILocalSiloDetails local)
{
    private readonly object _lock = new();
    private TimeSpan _busy;
    private long _at;

    /// <summary>The silo's endpoint, as reports show it.</summary>
    private string Endpoint => local.SiloAddress.Endpoint.ToString();

    public SiloReport Report()
    {
        string policy = silo.Options.PolicyName;
        var queries = LocalQueries.All();
        var panels = queries.Select(q => QueryPanel.From(q.Value.Context.Metrics.Snapshot(), policy, "running", silo.QueuedMessages(q.Key), Endpoint)).ToArray();
        return new SiloReport(Endpoint, policy, Utilization(), panels, [.. queries.Select(q => q.Key)]);
    }

    /// <summary>Turn time (or, under <c>orleans-default</c>, process CPU time) over the time since the previous call.</summary>
    private double Utilization()
    {
        var scheduler = silo.Scheduler;
        var busy = scheduler?.BusyTime ?? Process.GetCurrentProcess().TotalProcessorTime;
        int capacity = scheduler?.Turns ?? Environment.ProcessorCount;
        long now = Stopwatch.GetTimestamp();
        lock (_lock)
        {
            var elapsed = Stopwatch.GetElapsedTime(_at, now);
            double utilization = _at == 0 || elapsed <= TimeSpan.Zero || busy < _busy ? 0 : Math.Clamp((busy - _busy) / (elapsed * capacity), 0, 1);
            (_busy, _at) = (busy, now);
            return utilization;
        }
    }
}

/// <summary>Reads one silo's <see cref="SiloMonitor"/>; keyed by the silo's address and placed on it.</summary>
[Alias("cameo.silo-monitor")]
public interface ISiloMonitorGrain : IGrainWithStringKey
{
    [Alias("report")]
    Task<SiloReport> Report();
}

/// <summary>The grain behind <see cref="ISiloMonitorGrain"/>, activated on the silo its key names (<see cref="OwnSiloPlacement"/>).</summary>
[OwnSiloPlacement]
public sealed class SiloMonitorGrain(SiloMonitor monitor) : Grain, ISiloMonitorGrain
{
    public Task<SiloReport> Report() => Task.FromResult(monitor.Report());
}
