using System.Runtime.CompilerServices;
using Cameo.Runtime;

namespace Cameo.Tests.Engine;

/// <summary>The pacer: waits released when due, by its thread or by a worker between messages, and not kept registered on a long-lived token.</summary>
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

    [Fact]
    public void A_worker_checking_between_messages_releases_the_waits_that_are_due_and_no_other()
    {
        using var cancel = new CancellationTokenSource();
        var far = Pacer.DelayAsync(TimeSpan.FromHours(1), TimeProvider.System, cancel.Token);
        long farDue = System.Diagnostics.Stopwatch.GetTimestamp() + System.Diagnostics.Stopwatch.Frequency * 3600; // no earlier than the wait's own
        Assert.True(Pacer.NextDue <= farDue, "the earliest due time is published for the workers to check");

        var due = Pacer.DelayAsync(TimeSpan.Zero, TimeProvider.System, CancellationToken.None);
        Pacer.ReleaseDue(); // what a worker does between messages once NextDue has passed

        Assert.True(due.IsCompleted, "a due wait is released by the check itself, without waiting for the pacer's thread");
        Assert.False(far.IsCompleted, "a wait is never released before it is due");
        cancel.Cancel();
    }
}
