using Cameo.Runtime;
using Cameo.Scheduling;

namespace Cameo.Workloads.Bench;

/// <summary>
/// A contender in a benchmark: a scheduling policy on the shared worker pool, the slot baseline
/// (every operator instance on a thread of its own, FIFO inside each instance), or a policy on
/// another runtime such as an in-process Orleans cluster (built by the CLI).
/// </summary>
/// <param name="Name">As the report shows it.</param>
/// <param name="Policy">The policy that orders messages.</param>
/// <param name="Slots">True for the thread-per-instance baseline.</param>
/// <param name="Runtime">The runtime to run on, or null for the embedded one.</param>
/// <param name="ExportsTelemetry">True if its runs export Cameo's metrics and traces through OpenTelemetry (<see cref="OtelExport"/>).</param>
/// <param name="Checkpointed">True for the same contender with checkpoints on (<see cref="BenchSettings.CheckpointEvery"/>).</param>
public sealed record BenchPolicy(string Name, ISchedulingPolicy Policy, bool Slots, Func<EngineOptions, IQueryRuntime>? Runtime = null, bool ExportsTelemetry = false, bool Checkpointed = false)
{
    /// <summary>The same contender with OpenTelemetry export on, named <c>{Name}+otel</c>: a row beside this one in the same rounds.</summary>
    public BenchPolicy WithOtelExport() => this with { Name = Name + OtelExport.Suffix, ExportsTelemetry = true };

    /// <summary>Each of <paramref name="policies"/> followed by its twin with OpenTelemetry export on (<see cref="WithOtelExport"/>).</summary>
    public static IReadOnlyList<BenchPolicy> WithOtelTwins(IEnumerable<BenchPolicy> policies) => [.. policies.SelectMany(p => new[] { p, p.WithOtelExport() })];

    /// <summary>What the name of a contender with checkpoints on ends with: <c>cameo/ckpt</c>.</summary>
    public const string CheckpointedSuffix = "/ckpt";

    /// <summary>The name of <paramref name="policy"/>'s contender with checkpoints on.</summary>
    public static string CheckpointedName(string policy) => policy + CheckpointedSuffix;

    /// <summary>Each of <paramref name="policies"/> followed by the same contender with checkpoints on (<c>cameo</c>, <c>cameo/ckpt</c>, <c>fifo</c>, ...).</summary>
    public static IReadOnlyList<BenchPolicy> WithCheckpointed(IReadOnlyList<BenchPolicy> policies) =>
        [.. policies.SelectMany(p => new[] { p, p with { Name = CheckpointedName(p.Name), Checkpointed = true } })];

    /// <summary>The policy every other one is compared with.</summary>
    public const string Reference = "cameo";

    /// <summary>The default line-up: Cameo, the paper's two baselines, then the classic real-time policies.</summary>
    public const string DefaultList = "cameo,fifo,slots,edf,llf,sjf";

    /// <summary>Every name <see cref="Parse"/> accepts.</summary>
    public static IEnumerable<string> Known => SchedulingPolicies.All.Select(p => p.Name).Append("slots");

    /// <summary>Parses a comma-separated list such as <c>cameo,fifo,slots</c>, each name with <paramref name="parse"/> (default <see cref="Parse"/>).</summary>
    /// <exception cref="ArgumentException">A name is unknown or repeated, or the list is empty; the message says which.</exception>
    public static IReadOnlyList<BenchPolicy> ParseList(string list, Func<string, BenchPolicy>? parse = null)
    {
        var names = list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (names.Length == 0) throw new ArgumentException("--policies names no policy.");
        var policies = names.Select(parse ?? Parse).ToList();
        var repeated = policies.GroupBy(p => p.Name).FirstOrDefault(g => g.Count() > 1);
        if (repeated is not null) throw new ArgumentException($"--policies names '{repeated.Key}' more than once.");
        return policies;
    }

    /// <summary>The contender called <paramref name="name"/> (case-insensitive).</summary>
    public static BenchPolicy Parse(string name)
    {
        if (name.Equals("slots", StringComparison.OrdinalIgnoreCase)) return new("slots", SchedulingPolicies.Fifo, Slots: true);
        try
        {
            var policy = SchedulingPolicies.Parse(name);
            return new(policy.Name, policy, Slots: false);
        }
        catch (ArgumentException)
        {
            throw new ArgumentException($"Unknown policy '{name}'. Known: {string.Join(", ", Known)}.");
        }
    }
}
