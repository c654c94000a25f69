using Cameo.Orleans;
using Cameo.Scheduling;
using Cameo.Workloads.Bench;

namespace Cameo.Cli.Bench;

/// <summary>
/// `cameo bench --runtime orleans`: the contenders and the runtime description for an in-process
/// Orleans cluster, where `orleans-default` (unmodified Orleans) is the baseline.
/// </summary>
public static class OrleansContenders
{
    /// <summary>The default line-up on Orleans: Cameo against unmodified Orleans, the paper's own baseline.</summary>
    public const string DefaultList = BenchPolicy.Reference + "," + CameoSiloOptions.OrleansDefault;

    /// <summary>Every name accepted on Orleans.</summary>
    public static IEnumerable<string> Known => SchedulingPolicies.All.Select(p => p.Name).Append(CameoSiloOptions.OrleansDefault);

    /// <summary>An in-process cluster of <paramref name="silos"/> silos, as the harness describes it; calibration runs it under Cameo, the reference.</summary>
    public static BenchRuntime Runtime(int silos) =>
        new($"orleans ({silos} silos)", CameoSiloOptions.OrleansDefault, OrleansRuntime.InProcess(silos, SchedulingPolicies.Cameo), IsOrleans: true);

    /// <summary>The contender called <paramref name="name"/> on an in-process cluster of <paramref name="silos"/> silos.</summary>
    /// <exception cref="ArgumentException">The name is unknown on Orleans.</exception>
    public static BenchPolicy Parse(string name, int silos)
    {
        ISchedulingPolicy? policy;
        try
        {
            policy = CameoSiloOptions.ParsePolicy(name);
        }
        catch (ArgumentException)
        {
            throw new ArgumentException($"Unknown policy '{name}' on Orleans. Known: {string.Join(", ", Known)}.");
        }
        return new(policy?.Name ?? CameoSiloOptions.OrleansDefault, policy ?? SchedulingPolicies.Fifo, Slots: false, OrleansRuntime.InProcess(silos, policy));
    }
}
