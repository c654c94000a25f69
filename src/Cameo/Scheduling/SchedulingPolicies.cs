using Cameo.Scheduling.Policies;

namespace Cameo.Scheduling;

/// <summary>The built-in policies, by name.</summary>
public static class SchedulingPolicies
{
    public static ISchedulingPolicy Fifo { get; } = new Fifo();
    public static ISchedulingPolicy Edf { get; } = new Edf();
    public static ISchedulingPolicy Llf { get; } = new Llf();
    public static ISchedulingPolicy Sjf { get; } = new Sjf();
    public static ISchedulingPolicy Cameo { get; } = new CameoPolicy();

    /// <summary>The policies that order work toward latency targets, and the FIFO baseline they are measured against.</summary>
    public static IReadOnlyList<ISchedulingPolicy> ForLatency { get; } = [Fifo, Edf, Llf, Sjf, Cameo];

    /// <summary>Every built-in policy: <see cref="ForLatency"/> and the proportional-share <see cref="Policies.FairShare"/>.</summary>
    public static IReadOnlyList<ISchedulingPolicy> All { get; } = [.. ForLatency, new FairShare()];

    /// <summary>
    /// The policy called <paramref name="name"/> (case-insensitive). Policies that keep per-query
    /// state (<see cref="IQueryAwarePolicy"/>) come as a new instance per call, one per engine.
    /// </summary>
    /// <exception cref="ArgumentException">No policy has that name.</exception>
    public static ISchedulingPolicy Parse(string name)
    {
        var policy = All.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase))
            ?? throw new ArgumentException($"Unknown scheduling policy '{name}'. Known: {string.Join(", ", All.Select(p => p.Name))}.", nameof(name));
        return policy is FairShare ? new FairShare() : policy;
    }
}
