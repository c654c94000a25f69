using System.Diagnostics;
using Cameo.Operators;
using Cameo.Runtime;
using Cameo.Scheduling;
using Cameo.Tests.Support;

namespace Cameo.Tests.Scheduling;

/// <summary>Profiled costs: each instance's own, and what reply contexts teach it about the operators below.</summary>
public class CostTests
{
    [Fact]
    public void A_cost_profile_starts_at_the_first_sample_and_converges_to_a_new_level()
    {
        var profile = new CostProfile();
        profile.Record(1_000);
        Assert.Equal(1_000, profile.PerMessage);
        for (int i = 0; i < 50; i++) profile.Record(1_000);
        Assert.Equal(1_000, profile.PerMessage);

        for (int i = 0; i < 400; i++) profile.Record(9_000);
        Assert.Equal(451, profile.Samples);
        Assert.InRange(profile.PerMessage, 8_900, 9_000);
    }

    [Fact]
    public void A_few_outliers_barely_move_the_profile()
    {
        var profile = new CostProfile();
        for (int i = 0; i < 100; i++) profile.Record(1_000);
        profile.Record(100_000);
        Assert.InRange(profile.PerMessage, 1_000, 1_000 + 100_000 / 16); // a moving average over ~32 messages, not the last sample
    }

    [Fact]
    public void The_critical_path_is_the_costliest_downstream_operator_plus_the_path_below_it()
    {
        var costs = new DownstreamCosts(queryNodeCount: 5, downstreamNodes: [1, 2]);
        Assert.Equal(0, costs.CriticalPath);
        costs.Apply(new ReplyContext(1, OperatorCost: 100, CriticalPathCost: 50));
        costs.Apply(new ReplyContext(2, OperatorCost: 30, CriticalPathCost: 90));
        Assert.Equal(150, costs.CriticalPath);
        costs.Apply(new ReplyContext(2, OperatorCost: 30, CriticalPathCost: 500)); // newer knowledge replaces older
        Assert.Equal(530, costs.CriticalPath);
        costs.Apply(new ReplyContext(4, OperatorCost: 10_000, CriticalPathCost: 0)); // not below this instance
        Assert.Equal(530, costs.CriticalPath);
        Assert.Equal((30L, 500L), (costs.CostOf(2), costs.PathBelow(2)));
    }

    /// <summary>Spends at least a millisecond of CPU on every message it handles: records, watermarks and the end alike.</summary>
    private sealed class Burn : Operator<int, int>
    {
        public static readonly TimeSpan PerMessage = TimeSpan.FromMilliseconds(1);

        private static void Spin()
        {
            var watch = Stopwatch.StartNew();
            while (watch.Elapsed < PerMessage) Thread.SpinWait(20);
        }

        public override void OnRecords(ReadOnlySpan<int> items, ReadOnlySpan<long> timestamps, IOutput<int> output)
        {
            Spin();
            for (int i = 0; i < items.Length; i++) output.Emit(items[i], timestamps[i]);
        }

        public override void OnWatermark(long watermark, IOutput<int> output) => Spin();
    }

    [Fact]
    public async Task Costs_flow_upstream_so_the_first_stages_learn_a_critical_path_through_the_expensive_last_stage()
    {
        await using var runtime = new EmbeddedRuntime(SchedulingPolicies.Cameo, 2, TimeSpan.FromMilliseconds(2));
        int sunk = 0;
        // Few credits, so the cheap stages cannot race ahead of the expensive one: replies reach them while data still flows.
        var run = Deployment.Deploy(runtime, 0, "stages", TimeSpan.FromSeconds(1), TimeProvider.System, b => b
            .From(Source.From(Enumerable.Range(0, 400)))
            .Select(x => x + 1)
            .Select(x => x * 2)
            .Apply("Burn", () => new Burn())
            .To(_ => Interlocked.Increment(ref sunk)), batchSize: 4, maxInFlight: 8);
        runtime.Start();
        await run.Completion.WaitAsync(Within.Run);

        Assert.Equal(400, sunk);
        var hosts = run.Hosts;
        var source = hosts[0];
        var first = hosts[Deployment.InstanceOf(run, "Select")];
        var burn = hosts[Deployment.InstanceOf(run, "Burn")];
        long floor = Burn.PerMessage.Ticks; // every message the burner handled took at least this long
        Assert.True(burn.Cost.PerMessage >= floor, $"burner's own cost {burn.Cost.PerMessage}");
        Assert.True(first.Downstream.CriticalPath >= floor, $"first Select's critical path {first.Downstream.CriticalPath}");
        Assert.True(source.Downstream.CriticalPath >= floor, $"source's critical path {source.Downstream.CriticalPath}");
        Assert.True(source.Downstream.PathBelow(first.Node.Id) >= floor, "the path below the first stage includes the burner");
        Assert.True(source.Downstream.CriticalPath >= source.Downstream.CostOf(first.Node.Id) + floor);
    }
}
