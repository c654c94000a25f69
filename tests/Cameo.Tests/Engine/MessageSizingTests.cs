using System.Diagnostics;
using Cameo.Messages;
using Cameo.Operators;
using Cameo.Runtime;
using Cameo.Scheduling;
using Cameo.Tests.Support;
using Cameo.Time;

namespace Cameo.Tests.Engine;

/// <summary>Cost-bounded messages: the records per message follow the receiver's profiled cost per record.</summary>
public class MessageSizingTests
{
    [Fact]
    public void A_profile_learns_the_cost_per_record_and_per_result_from_their_first_sample_on()
    {
        var profile = new CostProfile();
        Assert.Equal(0, profile.PerRecord);
        Assert.Equal(0, profile.PerResult);
        profile.RecordRecords(1_000, 100);
        profile.RecordRecords(500, 0); // a message without records teaches nothing about records
        Assert.Equal(10, profile.PerRecord);
        for (int i = 0; i < 400; i++) profile.RecordRecords(4_000, 100);
        Assert.InRange(profile.PerRecord, 39, 40);
        profile.RecordResults(300, 3);
        Assert.Equal(100, profile.PerResult);
        profile.RecordResults(200, 1);
        Assert.Equal(500, profile.FiringTicks); // totals, for a replay of the work: firings apart from records
        Assert.Equal(4, profile.Results);
    }

    [Theory]
    [InlineData(5_000, 0.0, 512, 512)]    // not yet profiled: the batch size
    [InlineData(5_000, 0.5, 512, 512)]    // cheap: capped by the batch size
    [InlineData(5_000, 1_000.0, 512, 5)]  // 100 µs per record in a 0.5 ms bound
    [InlineData(5_000, 3_000.0, 512, 1)]
    [InlineData(5_000, 50_000.0, 512, 1)] // dearer than the bound: still one record
    public void Units_within_a_bound_are_at_least_one_and_at_most_the_cap(long bound, double unitCost, int cap, int expected) =>
        Assert.Equal(expected, CostProfile.UnitsWithin(bound, unitCost, cap));

    [Fact]
    public void Replies_teach_the_sender_each_receivers_cost_per_record()
    {
        var costs = new DownstreamCosts(queryNodeCount: 3, downstreamNodes: [1]);
        Assert.Equal(0, costs.RecordCostOf(1));
        costs.Apply(new ReplyContext(1, OperatorCost: 100, CriticalPathCost: 0, RecordCost: 2.5));
        Assert.Equal(2.5, costs.RecordCostOf(1));
    }

    /// <summary>Sizes of the data messages queued for <paramref name="run"/>'s instance <paramref name="index"/>.</summary>
    private static List<int> QueuedSizes(QueryRun run, int index)
    {
        var sizes = new List<int>();
        var mailbox = run.Actors[index]!.Mailbox;
        while (mailbox.Count > 0)
        {
            var message = mailbox.Dequeue();
            if (message.Kind == MessageKind.Data) sizes.Add(message.Count);
            message.Release();
        }
        return sizes;
    }

    [Theory]
    [InlineData(0.0, new[] { 23 })]                 // unprofiled receiver: one batch
    [InlineData(0.01, new[] { 23 })]                // cheap receiver: one batch
    [InlineData(1_000.0, new[] { 5, 5, 5, 5, 3 })]  // 100 µs per record: 5 per 0.5 ms message
    public void A_source_sends_its_receiver_as_many_records_per_message_as_fit_in_the_cost_bound(double recordCost, int[] expected)
    {
        var runtime = new EmbeddedRuntime(SchedulingPolicies.Cameo, 1, TimeSpan.FromHours(1)); // never started: messages stay queued
        var run = Deployment.Deploy(runtime, 0, "sizes", TimeSpan.FromSeconds(1), TimeProvider.System, b => b
            .From(Source.From(Array.Empty<int>()))
            .Apply("Dear", () => new Pass())
            .To(_ => { }), batchSize: 64);
        var source = Deployment.SourceOf<int>(run);
        int dear = Deployment.InstanceOf(run, "Dear");
        source.Downstream.Apply(new ReplyContext(run.Hosts[dear].Node.Id, 0, 0, recordCost));
        source.Ingest([.. Enumerable.Range(0, 23)], null, 23, PhysicalTime.Now(TimeProvider.System));
        Assert.Equal(expected, QueuedSizes(run, dear));
    }

    /// <summary>Passes records on; with <paramref name="spin"/>, spends at least that long on each.</summary>
    private sealed class Pass(TimeSpan spin = default, List<int>? sizes = null) : Operator<int, int>
    {
        public override void OnRecords(ReadOnlySpan<int> items, ReadOnlySpan<long> timestamps, IOutput<int> output)
        {
            lock (this) sizes?.Add(items.Length);
            for (int i = 0; i < items.Length; i++)
            {
                var watch = Stopwatch.StartNew();
                while (watch.Elapsed < spin) Thread.SpinWait(10);
                output.Emit(items[i], timestamps[i]);
            }
        }
    }

    [Fact]
    public async Task Once_profiled_an_expensive_operator_gets_messages_that_cost_at_most_about_the_bound()
    {
        var sizes = new List<int>();
        var sunk = 0;
        await using var engine = CameoEngine.Create(o =>
        {
            o.Workers = 2;
            o.BatchSize = 64;
            o.MaxInFlightMessages = 4; // the source waits for the expensive stage, so replies reach the stages above it while data still flows
            o.MaxMessageCost = TimeSpan.FromMilliseconds(0.5);
        });
        var query = engine.AddQuery("dear", TimeSpan.FromSeconds(5), b => b
            .From(Source.From(Enumerable.Range(0, 600)))
            .Select(x => x + 1)
            .Apply("Dear", () => new Pass(TimeSpan.FromMilliseconds(0.2), sizes)) // at least 0.2 ms a record: at most 2 in 0.5 ms
            .To(_ => Interlocked.Increment(ref sunk)));
        await engine.RunAsync().WaitAsync(Within.Run);
        await query.Completion;

        Assert.Equal(600, sunk);
        List<int> seen;
        lock (sizes) seen = [.. sizes];
        Assert.Contains(seen, n => n > 2); // the first messages, before any reply, hold full batches
        // Replies come back while the stream flows; after the messages in flight before the first reply, none is larger.
        var late = seen.Skip(seen.FindLastIndex(n => n > 2) + 1).ToList();
        Assert.True(late.Sum() > 300, $"sizes: {string.Join(",", seen)}");
        Assert.All(late, n => Assert.InRange(n, 1, 2));
    }
}
