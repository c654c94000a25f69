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

    public static IReadOnlyList<ISchedulingPolicy> All { get; } = [Fifo, Edf, Llf, Sjf, Cameo];

    /// <summary>The policy called <paramref name="name"/> (case-insensitive).</summary>
    /// <exception cref="ArgumentException">No policy has that name.</exception>
    public static ISchedulingPolicy Parse(string name) =>
        All.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase))
        ?? throw new ArgumentException($"Unknown scheduling policy '{name}'. Known: {string.Join(", ", All.Select(p => p.Name))}.", nameof(name));
}
