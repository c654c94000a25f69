using Cameo.Orleans;
using Cameo.Runtime;
using Cameo.Scheduling;

namespace Cameo.Cli.Bench;

/// <summary>
/// A contender in a benchmark: a scheduling policy on the shared worker pool, the slot baseline
/// (every operator instance on a thread of its own, FIFO inside each instance), or a policy on an
/// in-process Orleans cluster (where `orleans-default` is unmodified Orleans).
/// </summary>
/// <param name="Name">As the report shows it.</param>
/// <param name="Policy">The policy that orders messages.</param>
/// <param name="Slots">True for the thread-per-instance baseline.</param>
/// <param name="Runtime">The runtime to run on, or null for the embedded one.</param>
public sealed record BenchPolicy(string Name, ISchedulingPolicy Policy, bool Slots, Func<EngineOptions, IQueryRuntime>? Runtime = null)
{
    /// <summary>The policy every other one is compared with.</summary>
    public const string Reference = "cameo";

    /// <summary>The default line-up: Cameo, the paper's two baselines, then the classic real-time policies.</summary>
    public const string DefaultList = "cameo,fifo,slots,edf,llf,sjf";

    /// <summary>The default line-up on Orleans: Cameo against unmodified Orleans, the paper's own baseline.</summary>
    public const string DefaultOrleansList = "cameo," + CameoSiloOptions.OrleansDefault;

    /// <summary>The baseline Cameo is held to: FIFO actor scheduling, or unmodified Orleans on Orleans.</summary>
    public static string BaselineFor(IReadOnlyList<BenchPolicy> policies) =>
        policies.Any(p => p.Name == CameoSiloOptions.OrleansDefault) ? CameoSiloOptions.OrleansDefault : "fifo";

    /// <summary>Every name <see cref="Parse"/> accepts.</summary>
    public static IEnumerable<string> Known => SchedulingPolicies.All.Select(p => p.Name).Append("slots");

    /// <summary>Every name accepted on Orleans.</summary>
    public static IEnumerable<string> KnownOnOrleans => SchedulingPolicies.All.Select(p => p.Name).Append(CameoSiloOptions.OrleansDefault);

    /// <summary>Parses a comma-separated list such as <c>cameo,fifo,slots</c>; with <paramref name="orleansSilos"/>, for an in-process Orleans cluster of that many silos.</summary>
    /// <exception cref="ArgumentException">A name is unknown or repeated, or the list is empty; the message says which.</exception>
    public static IReadOnlyList<BenchPolicy> ParseList(string list, int? orleansSilos = null)
    {
        var names = list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (names.Length == 0) throw new ArgumentException("--policies names no policy.");
        var policies = names.Select(n => orleansSilos is { } silos ? ParseOnOrleans(n, silos) : Parse(n)).ToList();
        var repeated = policies.GroupBy(p => p.Name).FirstOrDefault(g => g.Count() > 1);
        if (repeated is not null) throw new ArgumentException($"--policies names '{repeated.Key}' more than once.");
        return policies;
    }

    /// <summary>The contender called <paramref name="name"/> on an in-process cluster of <paramref name="silos"/> silos.</summary>
    public static BenchPolicy ParseOnOrleans(string name, int silos)
    {
        ISchedulingPolicy? policy;
        try
        {
            policy = CameoSiloOptions.ParsePolicy(name);
        }
        catch (ArgumentException)
        {
            throw new ArgumentException($"Unknown policy '{name}' on Orleans. Known: {string.Join(", ", KnownOnOrleans)}.");
        }
        return new(policy?.Name ?? CameoSiloOptions.OrleansDefault, policy ?? SchedulingPolicies.Fifo, Slots: false, OrleansRuntime.InProcess(silos, policy));
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
