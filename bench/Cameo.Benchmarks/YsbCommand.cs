using System.CommandLine;
using Cameo.Scheduling;

namespace Cameo.Benchmarks;

/// <summary>Command line of the YSB saturation measurement (<c>ysb</c>).</summary>
internal static class YsbCommand
{
    public static RootCommand Create()
    {
        var seconds = new Option<double>("--seconds") { Description = "Measured seconds per run (after the warm-up).", DefaultValueFactory = _ => 10 };
        var warmup = new Option<double>("--warmup") { Description = "Seconds of warm-up before measuring (JIT tiers must settle; on a busy machine that takes seconds).", DefaultValueFactory = _ => 3 };
        var workers = new Option<int>("--workers") { Description = "Engine worker threads.", DefaultValueFactory = _ => Environment.ProcessorCount };
        var policy = new Option<string>("--policy") { Description = "Scheduling policy.", DefaultValueFactory = _ => "cameo" };
        var traceEvents = new Option<int>("--trace-events") { Description = "Events in the pre-generated trace (replayed in a loop).", DefaultValueFactory = _ => 1 << 19 };
        var parseParallelism = new Option<int>("--parse-parallelism") { Description = "Instances of the JSON parsing operator.", DefaultValueFactory = _ => Environment.ProcessorCount };
        var modes = new Option<string[]>("--modes") { Description = "Which runs: engine-parsed, engine-json, loop-parsed, loop-json; engine-parsed+otel and engine-json+otel with OpenTelemetry export on.", DefaultValueFactory = _ => ["loop-parsed", "loop-json", "engine-parsed", "engine-json"], AllowMultipleArgumentsPerToken = true };
        var seed = new Option<int>("--seed") { Description = "Seed of the campaign table and the events.", DefaultValueFactory = _ => 42 };
        var allocations = new Option<bool>("--allocations") { Description = "Also sample what is allocated during each measured run, by type." };
        var repeat = new Option<int>("--repeat") { Description = "Runs of each mode, interleaved.", DefaultValueFactory = _ => 1 };
        var command = new RootCommand("YSB at saturation: events/s with pre-parsed events and with JSON parsing, allocated bytes per event, peak working set.")
        {
            seconds, warmup, workers, policy, traceEvents, parseParallelism, modes, seed, repeat, allocations,
        };
        command.SetAction(r => new YsbSaturation(
            r.GetValue(seconds), r.GetValue(warmup), r.GetValue(workers), SchedulingPolicies.Parse(r.GetValue(policy)!),
            r.GetValue(traceEvents), r.GetValue(parseParallelism), r.GetValue(seed), r.GetValue(repeat), r.GetValue(allocations)).Run(r.GetValue(modes)!));
        return command;
    }
}
