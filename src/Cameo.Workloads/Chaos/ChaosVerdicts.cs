using Cameo.Workloads.Bench;

namespace Cameo.Workloads.Chaos;

/// <summary>The targets of <c>cameo chaos crash</c> (lost = 0 and duplicated = 0 on the exactly-once sinks) and the numbers beside them.</summary>
public static class ChaosVerdicts
{
    /// <param name="result">The experiment's outcome.</param>
    /// <param name="recovery">What its recovery times measure.</param>
    public static IReadOnlyList<Verdict> Of(ChaosCrashResult result, string recovery = "restart to first result")
    {
        long expected = result.Sinks.Sum(s => s.Expected);
        return
        [
            new($"lost {result.Lost:N0} of {expected:N0} expected results over {result.Sinks.Count} sinks (target 0)", result.Lost == 0),
            new($"duplicated {result.Duplicated:N0} (target 0)", result.Duplicated == 0),
            new($"wrong values {result.Wrong:N0} (target 0)", result.Wrong == 0),
            new(result.RecoverySecondsMax is { } max
                ? $"recovery after {result.Kills} kill(s): max {max:0.000} s, mean {result.Runs.Where(r => r.Run > 0 && r.RecoverySeconds is not null).Average(r => r.RecoverySeconds!.Value):0.000} s ({recovery})"
                : "recovery: no kill", null, Target: false),
        ];
    }
}
