namespace Cameo.Workloads;

/// <summary>What a tenant's query is for, which sets how tight its target is.</summary>
public enum QueryClass
{
    /// <summary>Latency-sensitive: small input, tight target (alerting, dashboards).</summary>
    LS,
    /// <summary>Bulk analytics: most of the input and CPU, loose target.</summary>
    BA,
}
