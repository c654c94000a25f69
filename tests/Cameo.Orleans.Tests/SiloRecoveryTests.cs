using System.Diagnostics;
using Cameo.Checkpoints;
using Cameo.Messages;
using Cameo.Orleans.Deployment;
using Cameo.Orleans.Grains;
using Cameo.Orleans.Wire;
using Cameo.Redis.State;
using Cameo.Workloads.Chaos;
using StackExchange.Redis;

namespace Cameo.Orleans.Tests;

/// <summary>
/// A checkpointed query on a multi-silo cluster survives the death of a silo: rolled back to its
/// last checkpoint on the survivors, it completes with exactly the oracle's results in its
/// exactly-once Redis sink; a message of another incarnation is dropped. Needs the Redis server
/// <c>.ci/run</c> starts on 127.0.0.1:6379.
/// </summary>
public sealed class SiloRecoveryTests(Xunit.Abstractions.ITestOutputHelper output) : IAsyncLifetime
{
    private const string Redis = "127.0.0.1:6379";
    private ConnectionMultiplexer _redis = null!;
    private readonly ChaosLayout _layout = new(Redis, $"cameo-test:{Guid.NewGuid():N}", "");

    public async Task InitializeAsync() => _redis = await ConnectionMultiplexer.ConnectAsync(Redis);

    public async Task DisposeAsync()
    {
        await ChaosCrash.DeleteKeysAsync(_redis, _redis.GetDatabase(), _layout);
        await _redis.DisposeAsync();
    }

    private Task<InProcessCluster> StartClusterAsync(int silos) => InProcessCluster.StartAsync(silos, o => o.Checkpoints = new CheckpointOptions
    {
        Store = new RedisStateStore(_redis, $"{_layout.Prefix}:checkpoints"),
        Interval = TimeSpan.FromMilliseconds(300),
    });

    [Fact]
    public async Task A_query_whose_silo_is_killed_completes_with_exactly_the_oracles_results()
    {
        var input = ChaosInput.Generate(4_000, seed: 7);
        var cluster = await StartClusterAsync(3);
        try
        {
            var writing = ChaosCrash.WriteInputAsync(_redis.GetDatabase(), _layout, input, seconds: 8, Stopwatch.StartNew(), CancellationToken.None);
            await using var engine = CameoEngine.Create(o => o.Runtime = _ => new OrleansRuntime(cluster.Client, 4, home: cluster.Silos[0]));
            var counts = engine.AddQuery(ChaosLayout.Counts, ChaosQueries.LatencyTarget, q => ChaosQueries.Counts(q, _layout, file: false));
            var joins = engine.AddQuery(ChaosLayout.Joins, ChaosQueries.LatencyTarget, q => ChaosQueries.Joins(q, _layout, file: false));
            engine.Start();
            var client = new CameoClient(cluster.Client);

            // a checkpoint with state in it, then the death of a silo holding instances (not the coordinators')
            var deadline = DateTime.UtcNow.AddSeconds(30);
            string[] keys = [];
            while (keys.Length < 2 || (await Task.WhenAll(keys.Select(k => client.StatusAsync(k)))).Any(s => s.LastCheckpoint < 2))
            {
                Assert.True(DateTime.UtcNow < deadline, "no checkpoint completed within 30 s");
                await Task.Delay(50);
                keys = [.. (await client.ListAsync()).Where(s => s.Name is ChaosLayout.Counts or ChaosLayout.Joins).Select(s => s.Key)];
            }
            var clock = Stopwatch.StartNew();
            await cluster.KillAsync(cluster.Silos[1]);
            output.WriteLine($"killed {cluster.Silos[1]}");

            await writing;
            await Task.WhenAll(counts.Completion, joins.Completion).WaitAsync(TimeSpan.FromSeconds(90));
            output.WriteLine($"completed {clock.Elapsed.TotalSeconds:0.0} s after the kill");
            foreach (var status in await Task.WhenAll(keys.Select(k => client.StatusAsync(k))))
            {
                output.WriteLine($"{status.Name}: {status.State}, recoveries {status.Recoveries} ({status.LastRecoverySeconds:0.000} s), incarnation {status.Incarnation}, last checkpoint {status.LastCheckpoint}");
                Assert.True(status.Recoveries >= 1, $"{status.Name} was not rolled back");
            }
            foreach (var tally in await ChaosCrash.CompareRedisOutputsAsync(_redis.GetDatabase(), _layout, input))
            {
                output.WriteLine($"{tally.Sink}: expected {tally.Expected}, received {tally.Received}, lost {tally.Lost}, duplicated {tally.Duplicated}, wrong {tally.Wrong}");
                Assert.True(tally.Exact, $"{tally.Sink}: lost {tally.Lost}, duplicated {tally.Duplicated}, wrong {tally.Wrong}");
            }
        }
        finally
        {
            await cluster.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_message_of_another_incarnation_is_dropped()
    {
        var cluster = await StartClusterAsync(1);
        try
        {
            // the input never ends: the query runs until stopped
            var db = _redis.GetDatabase();
            await db.StreamAddAsync(_layout.Input(ChaosSide.Clicks), "data", """{"id":1,"key":1,"timeMs":1700000000000}""");
            await using var engine = CameoEngine.Create(o => o.Runtime = _ => new OrleansRuntime(cluster.Client, 4, home: cluster.Silos[0]));
            var counts = engine.AddQuery(ChaosLayout.Counts, ChaosQueries.LatencyTarget, q => ChaosQueries.Counts(q, _layout, file: false));
            engine.Start();
            var client = new CameoClient(cluster.Client);
            QueryStatus? status;
            for (int k = 0; (status = (await client.ListAsync()).SingleOrDefault(s => s.Name == ChaosLayout.Counts)) is not { LastCheckpoint: >= 1 }; k++)
            {
                await Task.Delay(50);
                if (k % 20 == 19 && status is not null)
                {
                    output.WriteLine($"{status.State} {status.Error} {status.LastCheckpoint}");
                    foreach (var line in await client.DescribeAsync(status.Key)) output.WriteLine(line);
                    foreach (var server in _redis.GetServers())
                        await foreach (var key in server.KeysAsync(pattern: $"{_layout.Prefix}:checkpoints*")) output.WriteLine(key);
                }
                Assert.True(k < 200, "no checkpoint");
            }

            // the end of the sink's input, as the first incarnation's would have sent it, to the running one's sink
            int sink = status.Placement.Length - 1;
            int sender = sink - 1;
            var stale = new Message { Kind = MessageKind.End, Sender = sender, Channel = 0 };
            await cluster.Client.GetGrain<IInstanceGrain>(InstanceKeys.Of(status.Key, sink, status.Incarnation)).Push(new Envelope(stale, 0, 0, epoch: status.Incarnation + 1));

            string description = "";
            for (var until = DateTime.UtcNow.AddSeconds(10); DateTime.UtcNow < until && !description.Contains("stale dropped 1", StringComparison.Ordinal); await Task.Delay(20))
                description = (await client.DescribeAsync(status.Key))[sink];
            output.WriteLine(description);
            Assert.Contains("stale dropped 1", description);
            Assert.Equal(QueryState.Running, (await client.StatusAsync(status.Key)).State);

            await client.StopAsync(status.Key);
            await counts.Completion.WaitAsync(TimeSpan.FromSeconds(30));
        }
        finally
        {
            await cluster.DisposeAsync();
        }
    }
}
