using Cameo.Messages;
using Cameo.Runtime;
using Cameo.Scheduling;
using Cameo.Tests.Support;
using Cameo.Time;
using Microsoft.Extensions.Time.Testing;

namespace Cameo.Tests.Engine;

/// <summary>
/// On the embedded runtime a source's reads are turns of its own actor, ranked by the policy like
/// every other message (<see cref="SourceTurns"/>): observed on a runtime that is never started,
/// whose <see cref="EmbeddedRuntime.RunUntilIdle"/> runs every turn on the test thread.
/// </summary>
public class SourceTurnsTests
{
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>
    /// A bulk query (2 s target) has three messages queued when a tight query (20 ms) starts reading
    /// its source; one worker runs everything. Returns the order of the outputs.
    /// </summary>
    private static (string Order, HashSet<int> ReadThreads) Run(string policy)
    {
        var clock = new FakeTimeProvider(Start);
        var runtime = new EmbeddedRuntime(SchedulingPolicies.Parse(policy), 1, TimeSpan.FromHours(1));
        var log = new List<string>();
        var readThreads = new HashSet<int>();
        long now = PhysicalTime.Now(clock);

        var bulk = Deployment.Deploy(runtime, 0, "bulk", TimeSpan.FromSeconds(2), clock, b => b
            .From(Source.From(Array.Empty<string>())).To(log.Add));
        foreach (string item in new[] { "b1", "b2", "b3" })
            bulk.Send(Deployment.InstanceOf(bulk, "Sink"), new Message<string>([item], [0], 1)
            {
                Kind = MessageKind.Data,
                Context = new PriorityContext(0, now, now, TimeSpan.FromSeconds(2).Ticks, 0, 0),
            });

        var tight = Deployment.Deploy(runtime, 1, "tight", TimeSpan.FromMilliseconds(20), clock, b => b
            .From(Source.From(Read()))
            .To(log.Add));
        tight.StartSources();
        runtime.RunUntilIdle();
        return (string.Join(",", log), readThreads);

        IEnumerable<string> Read()
        {
            readThreads.Add(Environment.CurrentManagedThreadId);
            yield return "t1";
            readThreads.Add(Environment.CurrentManagedThreadId);
            yield return "t2";
        }
    }

    [Fact]
    public void A_tight_querys_source_is_read_on_the_workers_ahead_of_bulk_work_queued_before_it()
    {
        var (order, threads) = Run("cameo");
        Assert.Equal("t1,t2,b1,b2,b3", order);
        Assert.Equal([Environment.CurrentManagedThreadId], threads); // read by the (only) worker: the test thread
    }

    [Fact]
    public void Under_fifo_the_same_read_waits_behind_the_work_queued_before_it()
    {
        var (order, threads) = Run("fifo");
        Assert.Equal("b1,b2,b3,t1,t2", order);
        Assert.Equal([Environment.CurrentManagedThreadId], threads);
    }
    [Fact]
    public void A_source_catching_up_gives_its_worker_back_after_each_step_of_one_message_cost()
    {
        // One worker. A bulk source has a backlog; each record takes 1 ms to read (the fake clock
        // advances), more than the 0.5 ms a message may cost. While it reads its first record, a tight
        // query's message arrives: it runs after that step, not after the whole backlog.
        var clock = new FakeTimeProvider(Start);
        var runtime = new EmbeddedRuntime(SchedulingPolicies.Cameo, 1, TimeSpan.FromHours(1));
        var log = new List<string>();
        var tight = Deployment.Deploy(runtime, 1, "tight", TimeSpan.FromMilliseconds(20), clock, b => b
            .From(Source.From(Array.Empty<string>())).To(log.Add));
        var bulk = Deployment.Deploy(runtime, 0, "bulk", TimeSpan.FromSeconds(2), clock, b => b
            .From(Source.From(Backlog())).To(_ => { }), batchSize: 1, maxMessageCost: TimeSpan.FromMilliseconds(0.5));
        bulk.StartSources();
        runtime.RunUntilIdle();
        Assert.Equal("read 1,t,read 2,read 3", string.Join(",", log));

        IEnumerable<string> Backlog()
        {
            for (int i = 1; i <= 3; i++)
            {
                log.Add($"read {i}");
                clock.Advance(TimeSpan.FromMilliseconds(1));
                if (i == 1)
                {
                    long now = PhysicalTime.Now(clock);
                    tight.Send(Deployment.InstanceOf(tight, "Sink"), new Message<string>(["t"], [0], 1)
                    {
                        Kind = MessageKind.Data,
                        Context = new PriorityContext(1, now, now, TimeSpan.FromMilliseconds(20).Ticks, 0, 0),
                    });
                }
                yield return $"b{i}";
            }
        }
    }
}
