using Cameo.Runtime;

namespace Cameo.Workloads.Bench;

/// <summary>
/// Where a benchmark's contenders run, as the harness needs to know it: a name for reports, the
/// baseline Cameo is held to there, and the runtime calibration measures on. The harness itself knows no runtime beyond the engine's; the CLI builds the Orleans one.
/// </summary>
/// <param name="Name">For reports, e.g. "embedded" or "orleans (2 silos)".</param>
/// <param name="Baseline">The contender Cameo is compared with: FIFO actor scheduling, or unmodified Orleans on Orleans.</param>
/// <param name="Calibration">The runtime calibration measures on (under the reference policy); null for the embedded one.</param>
/// <param name="IsOrleans">True on an Orleans cluster, whose targets differ (see <see cref="Targets"/>).</param>
public sealed record BenchRuntime(string Name, string Baseline, Func<EngineOptions, IQueryRuntime>? Calibration, bool IsOrleans)
{
    /// <summary>The shared worker pool of the embedded engine, with FIFO as the baseline.</summary>
    public static BenchRuntime Embedded { get; } = new("embedded", "fifo", null, IsOrleans: false);
}
