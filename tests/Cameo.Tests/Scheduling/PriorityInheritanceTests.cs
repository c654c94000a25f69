using Cameo.Messages;
using Cameo.Runtime;
using Cameo.Scheduling;
using Cameo.Tests.Support;
using Cameo.Time;
using Microsoft.Extensions.Time.Testing;

namespace Cameo.Tests.Scheduling;

/// <summary>
/// Priority inheritance through credits: a sender waiting for a lax query's credits lends that
/// query its urgency until the credits come back (how a shared stream keeps a lax reader from
/// setting the pace of its tight readers). Observed through the real scheduler, as in
/// <see cref="PolicyOrderTests"/>: never started, run on the test thread with the clock standing still.
/// </summary>
public class PriorityInheritanceTests
{
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, 100, TimeSpan.Zero);

    private sealed class Setup
    {
        public readonly FakeTimeProvider Clock = new(Start);
        public readonly EmbeddedRuntime Runtime = new(SchedulingPolicies.Parse("cameo"), 1, TimeSpan.FromHours(1));
        public readonly List<string> Log = [];
        public readonly QueryRun Lax, Mid;

        public Setup()
        {
            // The lax query has room for two messages in flight: two queued messages fill its gate.
            Lax = Deployment.Deploy(Runtime, 0, "lax", TimeSpan.FromSeconds(5), Clock, b => b.From(Source.From(Array.Empty<string>())).To(Log.Add), maxInFlight: 2);
            Mid = Deployment.Deploy(Runtime, 1, "mid", TimeSpan.FromMilliseconds(100), Clock, b => b.From(Source.From(Array.Empty<string>())).To(Log.Add));
        }

        public long Now => PhysicalTime.Now(Clock);

        /// <summary>A record arriving now for a query with target <paramref name="targetMs"/>, no costs: start deadline now + target.</summary>
        public PriorityContext Fresh(int query, double targetMs) => new(query, Now, Now, TimeSpan.FromMilliseconds(targetMs).Ticks, 0, 0);

        public void Send(QueryRun run, string name, double targetMs) =>
            run.Send(Deployment.InstanceOf(run, "Sink"), new Message<string>([name], [0], 1) { Kind = MessageKind.Data, Context = Fresh(run.Context.Id, targetMs) });
    }

    [Theory]
    [InlineData(true, "L1")] // the lax query runs at the waiter's 10 ms, ahead of the 100 ms query
    [InlineData(false, "M")] // a plain wait lends nothing: its own 5 s deadlines put it last
    public async Task A_sender_waiting_for_credits_lends_the_query_its_urgency_until_they_come_back(bool lend, string first)
    {
        var s = new Setup();
        s.Send(s.Lax, "L1", 5000);
        s.Send(s.Lax, "L2", 5000);
        s.Send(s.Mid, "M", 100);
        Assert.True(s.Lax.Gate.IsFull);

        ISourceRun lax = s.Lax;
        var wait = lend ? lax.WaitForCreditAsync(() => s.Fresh(2, 10), CancellationToken.None) : lax.WaitForCreditAsync(CancellationToken.None);
        Assert.False(wait.IsCompleted);
        s.Runtime.RunUntilIdle();
        // The first message decides: once it has run the gate opens (a quarter of it is free), and
        // the loan is taken back on another thread, racing with the rest of this run.
        Assert.Equal(first, s.Log[0]);
        Assert.Equal(["L1", "L2", "M"], s.Log.Order());
        await wait.AsTask().WaitAsync(TimeSpan.FromSeconds(10)); // the credits came back

        // The loan ended with the wait: the lax query's own deadlines apply again.
        s.Log.Clear();
        s.Send(s.Lax, "L3", 5000);
        s.Send(s.Mid, "M2", 100);
        s.Runtime.RunUntilIdle();
        Assert.Equal("M2L3", string.Concat(s.Log));
    }

    [Fact]
    public async Task A_query_with_credits_to_spare_is_lent_nothing_and_the_waiter_is_not_asked()
    {
        var s = new Setup();
        s.Send(s.Lax, "L1", 5000);
        s.Send(s.Mid, "M", 100);
        bool asked = false;
        await ((ISourceRun)s.Lax).WaitForCreditAsync(() => { asked = true; return s.Fresh(2, 10); }, CancellationToken.None);
        Assert.False(asked);
        s.Runtime.RunUntilIdle();
        Assert.Equal("ML1", string.Concat(s.Log));
    }
}
