using System.Runtime.CompilerServices;
using Cameo.Runtime;

namespace Cameo.Tests.Engine;

/// <summary>The pacer's waits on a long-lived token do not stay registered on it.</summary>
public class PacerTests
{
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static async Task<WeakReference> WaitOnceAsync(CancellationToken token)
    {
        var wait = Pacer.DelayAsync(TimeSpan.FromMilliseconds(1), TimeProvider.System, token);
        await wait;
        return new WeakReference(wait);
    }

    [Fact]
    public async Task A_finished_wait_is_not_kept_alive_by_the_cancellation_token()
    {
        using var stopping = new CancellationTokenSource(); // lives as long as a query
        var waits = new List<WeakReference>();
        for (int i = 0; i < 20; i++) waits.Add(await WaitOnceAsync(stopping.Token));
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        Assert.True(waits.Count(w => w.IsAlive) <= 1, $"{waits.Count(w => w.IsAlive)} of 20 finished waits still referenced"); // the pacer thread may hold the last one a moment
    }
}
