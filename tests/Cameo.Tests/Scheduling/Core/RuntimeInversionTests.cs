using Cameo.Runtime;
using Cameo.Scheduling;
using Cameo.Tests.Support;

namespace Cameo.Tests.Scheduling.Core;

/// <summary>The embedded runtime measures priority inversion on every message its workers run; the slots baseline does not measure it.</summary>
public class RuntimeInversionTests
{
    private static QueryRun Deploy(IQueryRuntime runtime) =>
        Deployment.Deploy(runtime, 0, "numbers", TimeSpan.FromSeconds(1), TimeProvider.System, b => b
            .From(Source.From(Enumerable.Range(0, 5_000)))
            .Where(x => x % 2 == 0)
            .To(_ => { }), batchSize: 64);

    [Fact]
    public async Task The_embedded_runtime_measures_every_message_until_reset()
    {
        await using var runtime = new EmbeddedRuntime(SchedulingPolicies.Cameo, 2, TimeSpan.FromMilliseconds(2));
        var run = Deploy(runtime);
        Assert.Equal(0, runtime.PriorityInversion.Messages);
        runtime.Start();
        await run.Completion.WaitAsync(Within.Run);

        var inversion = runtime.PriorityInversion;
        Assert.True(inversion.Messages >= 5_000 / 64, $"only {inversion.Messages} messages measured");
        Assert.InRange(inversion.P99Ms, 0, inversion.MaxMs);

        runtime.ResetUtilization();
        Assert.Equal(0, runtime.PriorityInversion.Messages);
    }

    [Fact]
    public async Task The_slots_baseline_reports_none()
    {
        await using var runtime = new SlotRuntime(SchedulingPolicies.Cameo);
        var run = Deploy(runtime);
        runtime.Start();
        await run.Completion.WaitAsync(Within.Run);
        Assert.Equal(Cameo.Metrics.PriorityInversion.None, runtime.PriorityInversion);
    }
}
