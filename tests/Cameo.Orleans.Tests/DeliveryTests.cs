using System.Collections.Concurrent;
using System.Diagnostics;
using Cameo.Operators;
using Cameo.Orleans.Deployment;
using Cameo.Runtime;

namespace Cameo.Orleans.Tests;

/// <summary>A 2-silo cluster whose calls between instance grains a test can lose (<see cref="CameoSiloOptions.DropCall"/>), with short resend and progress timeouts.</summary>
public abstract class LossyClusterFixture : IAsyncLifetime
{
    /// <summary>The silos' policy; null: <c>orleans-default</c> (<c>PushInOrder</c>, no turn scheduler).</summary>
    protected abstract Cameo.Scheduling.ISchedulingPolicy? Policy { get; }

    public static readonly TimeSpan ResendAfter = TimeSpan.FromMilliseconds(200);
    public static readonly TimeSpan ProgressTimeout = TimeSpan.FromSeconds(3);

    private readonly ConcurrentDictionary<string, Func<InstanceCall, bool>> _rules = new();

    public InProcessCluster Cluster { get; private set; } = null!;

    /// <summary>Calls of query <paramref name="query"/> for which <paramref name="drop"/> returns true are lost.</summary>
    public void Lose(string query, Func<InstanceCall, bool> drop) => _rules[query] = drop;

    public async Task InitializeAsync() => Cluster = await InProcessCluster.StartAsync(2, o =>
    {
        o.Policy = Policy;
        o.ResendAfter = ResendAfter;
        o.ProgressTimeout = ProgressTimeout;
        o.DropCall = call => _rules.TryGetValue(call.Query, out var drop) && drop(call);
    });

    public async Task DisposeAsync() => await Cluster.DisposeAsync();

    /// <summary>An engine whose queries run on this cluster, with few credits per instance (a leak would stall it).</summary>
    public CameoEngine Engine() => CameoEngine.Create(o =>
    {
        o.MaxInFlightMessages = 8;
        o.Runtime = _ => new OrleansRuntime(Cluster.Client, workers: 4, home: Cluster.Silos[0]);
    });
}

/// <summary>Silos scheduling by Cameo's policy.</summary>
public sealed class LossyCameoCluster : LossyClusterFixture
{
    protected override Cameo.Scheduling.ISchedulingPolicy? Policy => Cameo.Scheduling.SchedulingPolicies.Cameo;
}

/// <summary>Silos in plain Orleans order.</summary>
public sealed class LossyOrleansDefaultCluster : LossyClusterFixture
{
    protected override Cameo.Scheduling.ISchedulingPolicy? Policy => null;
}

/// <summary>Delivery under Cameo scheduling (<c>Push</c> into the priority mailbox).</summary>
public sealed class DeliveryTests(LossyCameoCluster fixture, Xunit.Abstractions.ITestOutputHelper output)
    : DeliveryTestsBase(fixture, output), IClassFixture<LossyCameoCluster>;

/// <summary>Delivery under <c>orleans-default</c> (<c>PushInOrder</c>).</summary>
public sealed class InOrderDeliveryTests(LossyOrleansDefaultCluster fixture, Xunit.Abstractions.ITestOutputHelper output)
    : DeliveryTestsBase(fixture, output), IClassFixture<LossyOrleansDefaultCluster>;

/// <summary>
/// <c>Push</c> and <c>Ack</c> are one-way calls: a lost one is repaired (sent again, duplicates dropped,
/// credits recovered from cumulative acknowledgements), or the query fails naming the instance that
/// makes no progress; it never stalls silently.
/// </summary>
public abstract class DeliveryTestsBase(LossyClusterFixture fixture, Xunit.Abstractions.ITestOutputHelper output)
{
    private const int Events = 6_000;
    private const int Keys = 10;

    private static readonly TimeSpan Window = TimeSpan.FromMilliseconds(100);

    /// <summary>Source (0) -> windowed count per key on 2 instances (1, 2) -> sink (3); event time = the event's number in ms.</summary>
    private static void WindowedCount(QueryBuilder q, ConcurrentQueue<WindowResult<int, long>> results, Source<long> events) => q
        .From(events)
        .WithEventTime(i => i, TimeSpan.Zero)
        .KeyBy(i => (int)(i % Keys))
        .Window(Window).Count().WithParallelism(2)
        .To(results.Enqueue);

    /// <summary>The counts a correct run produces.</summary>
    private static List<(int Key, long Start, long Count)> Oracle() =>
        [.. Enumerable.Range(0, Events).GroupBy(i => (Key: i % Keys, Start: i / 100 * 100L)).Select(g => (g.Key.Key, g.Key.Start, (long)g.Count())).Order()];

    private static List<(int Key, long Start, long Count)> Sorted(IEnumerable<WindowResult<int, long>> results) =>
        [.. results.Select(r => (r.Key, r.Start, r.Value)).Order()];

    [Fact]
    public async Task Lost_pushes_are_sent_again_and_the_results_are_exact()
    {
        string name = "lost-push-" + Guid.NewGuid().ToString("N");
        var dropped = new ConcurrentDictionary<(int From, int To), long>();
        // the 4th message on every channel is lost the first time it is sent (the channel to the sink included)
        fixture.Lose(name, c => c.Kind == InstanceCallKind.Push && c.Sequence == 3 && dropped.TryAdd((c.From, c.To), c.Sequence));
        var results = new ConcurrentQueue<WindowResult<int, long>>();
        await using var engine = fixture.Engine();
        var q = engine.AddQuery(name, TimeSpan.FromSeconds(1), b => WindowedCount(b, results, Source.From(Enumerable.Range(0, Events).Select(i => (long)i))));
        engine.Start();

        await q.Completion.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Contains((0, 1), dropped.Keys);
        Assert.Contains((0, 2), dropped.Keys);
        Assert.Contains(dropped.Keys, k => k.To == 3);
        Assert.Equal(Oracle(), Sorted(results));
        var status = (await new CameoClient(fixture.Cluster.Client).ListAsync()).Single(s => s.Name == name);
        Assert.Equal(QueryState.Completed, status.State);
    }

    [Fact]
    public async Task Lost_acknowledgements_leak_no_credits()
    {
        string name = "lost-ack-" + Guid.NewGuid().ToString("N");
        long acks = 0, lost = 0;
        // every other acknowledgement is lost: with 8 credits per instance, a leak would stall the query within a few messages
        fixture.Lose(name, c => c.Kind == InstanceCallKind.Ack && Interlocked.Increment(ref acks) % 2 == 0 && Interlocked.Increment(ref lost) > 0);
        var results = new ConcurrentQueue<WindowResult<int, long>>();
        await using var engine = fixture.Engine();
        var q = engine.AddQuery(name, TimeSpan.FromSeconds(1), b => WindowedCount(b, results, Source.From(Enumerable.Range(0, Events).Select(i => (long)i))));
        engine.Start();

        await q.Completion.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.True(Interlocked.Read(ref lost) > 10, $"only {lost} acknowledgements were lost");
        Assert.Equal(Oracle(), Sorted(results));
    }

    [Fact]
    public async Task A_receiver_gone_for_good_fails_the_query_naming_it_within_the_progress_timeout()
    {
        string name = "cut-off-" + Guid.NewGuid().ToString("N");
        const int Sink = 3;
        long cutAt = -1;
        // from the sink's 20th message on, nothing reaches it: no message, no resend, no progress query; it answers nothing
        fixture.Lose(name, c =>
        {
            if (c.To != Sink || (c.Kind == InstanceCallKind.Push && c.Sequence < 20)) return false;
            Interlocked.CompareExchange(ref cutAt, Stopwatch.GetTimestamp(), -1);
            return true;
        });
        var results = new ConcurrentQueue<WindowResult<int, long>>();
        await using var engine = fixture.Engine();
        var q = engine.AddQuery(name, TimeSpan.FromSeconds(1), b => WindowedCount(b, results, Source.From(EndlessAsync())));
        engine.Start();

        var error = await Assert.ThrowsAsync<QueryFailedException>(() => q.Completion.WaitAsync(TimeSpan.FromSeconds(60)));
        var failedAfter = Stopwatch.GetElapsedTime(Interlocked.Read(ref cutAt));
        output.WriteLine($"{failedAfter.TotalSeconds:0.0} s after the cut: {error.Message}");
        Assert.Equal(name, error.Query);
        Assert.StartsWith("Sink", error.Operator); // the sink: the instance that makes no progress
        Assert.Contains("makes no progress on the channel from Count", error.Message);
        Assert.Contains("answer", error.Message);
        // the bound: the progress timeout after the last progress, plus a watchdog round and the coordinator's poll
        Assert.True(failedAfter < LossyClusterFixture.ProgressTimeout + TimeSpan.FromSeconds(5), $"failed {failedAfter.TotalSeconds:0.0} s after the cut");
    }

    /// <summary>Numbers without end, about 20 000 a second.</summary>
    private static async IAsyncEnumerable<long> EndlessAsync()
    {
        for (long i = 0; ; i++)
        {
            if (i % 200 == 0) await Task.Delay(10);
            yield return i;
        }
    }
}
