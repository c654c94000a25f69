using System.CommandLine;
using System.Diagnostics;
using Cameo.Scheduling;

namespace Cameo.Benchmarks;

/// <summary>
/// <c>pipeline</c>: the stateless pipeline's saturated throughput under each policy, runs
/// interleaved and repeated, reported as medians of wall-clock and of CPU-normalized throughput
/// (events per CPU-second stays meaningful when other processes share the cores), with each
/// policy's ratio to the first.
/// </summary>
internal static class PipelineCommand
{
    public static RootCommand Create()
    {
        var records = new Option<int>("--records") { Description = "Input records per run.", DefaultValueFactory = _ => 1 << 23 };
        var repeat = new Option<int>("--repeat") { Description = "Runs per policy, interleaved.", DefaultValueFactory = _ => 5 };
        var policies = new Option<string[]>("--policies") { Description = "Policies; ratios are to the first.", DefaultValueFactory = _ => ["fifo", "cameo"], AllowMultipleArgumentsPerToken = true };
        var command = new RootCommand("Stateless pipeline at saturation: throughput per policy and its ratio to the first policy.") { records, repeat, policies };
        command.SetAction(r => Run(r.GetValue(records), r.GetValue(repeat), [.. r.GetValue(policies)!.Select(SchedulingPolicies.Parse)]));
        return command;
    }

    private static int Run(int records, int repeats, ISchedulingPolicy[] policies)
    {
        var input = Enumerable.Range(0, records).ToArray();
        StatelessPipeline.RunAsync(policies[0], input[..(records / 8)]).GetAwaiter().GetResult(); // warm-up (JIT tiers)
        var wall = policies.ToDictionary(p => p, _ => new List<double>());
        var cpu = policies.ToDictionary(p => p, _ => new List<double>());
        var cores = policies.ToDictionary(p => p, _ => new List<double>());
        var process = Process.GetCurrentProcess();
        for (int i = 0; i < repeats; i++)
            foreach (var policy in policies)
            {
                process.Refresh();
                var cpu0 = process.TotalProcessorTime;
                var watch = Stopwatch.StartNew();
                StatelessPipeline.RunAsync(policy, input).GetAwaiter().GetResult();
                double seconds = watch.Elapsed.TotalSeconds;
                process.Refresh();
                wall[policy].Add(records / seconds);
                double cpuSeconds = (process.TotalProcessorTime - cpu0).TotalSeconds;
                cpu[policy].Add(records / cpuSeconds);
                cores[policy].Add(cpuSeconds / seconds);
            }
        Console.WriteLine($"stateless pipeline, {records:N0} records, {repeats} interleaved runs per policy, medians:");
        Console.WriteLine($"{"policy",-8} {"events/s",14} {"ratio",7} {"per CPU-s",14} {"ratio",7} {"cores",6}");
        double wall0 = Median(wall[policies[0]]), cpu0_ = Median(cpu[policies[0]]);
        foreach (var p in policies)
            Console.WriteLine($"{p.Name,-8} {Median(wall[p]),14:N0} {Median(wall[p]) / wall0,7:F3} {Median(cpu[p]),14:N0} {Median(cpu[p]) / cpu0_,7:F3} {Median(cores[p]),6:F2}");
        return 0;
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }
}
