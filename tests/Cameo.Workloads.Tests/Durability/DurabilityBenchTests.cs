using System.Text.Json;
using Cameo.Cli.Commands;
using Cameo.Operators;
using Cameo.Workloads.Durability;
using StackExchange.Redis;

namespace Cameo.Workloads.Tests.Durability;

/// <summary>
/// The plumbing of `cameo bench redis-source`, `cameo bench recovery` and `cameo soak` on tiny sizes,
/// against the redis-server on 127.0.0.1:6379 that <c>.ci/run</c> starts.
/// </summary>
public sealed class DurabilityBenchTests : IDisposable
{
    private const string Redis = "127.0.0.1:6379";
    private readonly DirectoryInfo _out = Directory.CreateTempSubdirectory("cameo-durability-test-");

    public void Dispose() => _out.Delete(recursive: true);

    private static async Task RequireRedisAsync()
    {
        try
        {
            await using var redis = await ConnectionMultiplexer.ConnectAsync($"{Redis},connectTimeout=2000,abortConnect=true");
        }
        catch (RedisConnectionException ex)
        {
            throw new InvalidOperationException($"No redis-server answers on {Redis}: `.ci/run` starts one; locally run `redis-server --port 6379 --daemonize yes`.", ex);
        }
    }

    [Fact]
    public async Task The_source_bench_counts_every_event_exactly_once_for_both_readers_and_writes_results_json()
    {
        await RequireRedisAsync();
        var settings = new RedisSourceBenchSettings(Events: 3_000, Redis, Rounds: 1, ReadCount: 100, Workers: 2);

        int exit = await DurabilityBenchCommands.RunRedisSourceAsync(settings, _out, CancellationToken.None);

        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(_out.FullName, "results.json")));
        var root = json.RootElement;
        Assert.True(root.GetProperty("exact").GetBoolean());
        var runs = root.GetProperty("runs").EnumerateArray().ToList();
        Assert.Equal([RedisSourceBench.Loop, RedisSourceBench.Cameo], runs.Select(r => r.GetProperty("reader").GetString()));
        Assert.All(runs, r =>
        {
            Assert.Equal(3_000, r.GetProperty("received").GetInt64());
            Assert.Equal(0, r.GetProperty("duplicated").GetInt64());
            Assert.True(r.GetProperty("eventsPerSecond").GetDouble() > 0);
        });
        double ratio = root.GetProperty("ratio").GetDouble();
        Assert.Equal(root.GetProperty("cameoEventsPerSecond").GetDouble() / root.GetProperty("loopEventsPerSecond").GetDouble(), ratio, 3);
        Assert.Equal(ratio >= RedisSourceBenchResult.TargetRatio ? 0 : 1, exit);
    }

    [Fact]
    public void The_tally_counts_repeats_and_ids_out_of_range_as_duplicates()
    {
        var tally = new EventTally(3);
        foreach (long id in new long[] { 0, 1, 1, 2, 3, -1 }) tally.Add(id);
        Assert.Equal(6, tally.Received);
        Assert.Equal(3, tally.Duplicated);
    }

    [Fact]
    public async Task The_recovery_bench_restored_query_emits_what_a_run_without_restart_emits()
    {
        const int Keys = 3_000;
        var restarted = new List<WindowResult<int, KeyStats>>();
        var settings = new RecoveryBenchSettings(StateMb: 1, _out.FullName, Workers: 2, Keys: Keys);

        var result = await RecoveryBench.RunAsync(settings, _ => { }, CancellationToken.None, r => { lock (restarted) restarted.Add(r); });
        var straight = new List<WindowResult<int, KeyStats>>();
        await RecoveryBench.RunWithoutRestartAsync(Keys, 2, r => { lock (straight) straight.Add(r); }, CancellationToken.None);

        Assert.True(result.RestoredFrom > 0);
        Assert.True(result.Correct);
        Assert.Equal(Keys, result.Outputs);
        Assert.True(result.CheckpointBytes > Keys * 20L);
        Assert.True(result.RestoreSeconds <= result.FirstOutputSeconds);
        Assert.Equal(straight.OrderBy(r => r.Key), restarted.OrderBy(r => r.Key));
    }

    [Fact]
    public void Growth_over_the_last_half_is_the_fitted_rise_over_its_start()
    {
        double[] seconds = [.. Enumerable.Range(0, 101).Select(i => (double)i)];
        // Flat, with a collection's dip and a burst's peak in the second half: no growth.
        double[] flat = [.. seconds.Select(t => t == 70 ? 80.0 : t == 90 ? 130.0 : 100.0)];
        Assert.InRange(SoakGrowth.OverLastHalf(seconds, flat), -0.05, 0.05);
        // Growing 10% over the second half (from 100 at t = 50 to 110 at t = 100).
        double[] leaking = [.. seconds.Select(t => t < 50 ? 100.0 : 100 + ((t - 50) / 5))];
        Assert.Equal(0.10, SoakGrowth.OverLastHalf(seconds, leaking), 3);
        // Growth in the first half (warm-up) only: not counted.
        double[] warming = [.. seconds.Select(t => Math.Min(100, 50 + t))];
        Assert.Equal(0, SoakGrowth.OverLastHalf(seconds, warming), 3);
        Assert.Equal(0, SoakGrowth.OverLastHalf([1], [5]));
    }

    [Fact]
    public async Task A_short_soak_reads_what_it_writes_checkpoints_and_writes_results_and_its_plot()
    {
        await RequireRedisAsync();
        var settings = new SoakSettings(Minutes: 0.15, Load: 0.5, Redis, _out.FullName, SampleSeconds: 1, CalibrationEvents: 5_000, Workers: 2);

        await SoakCommand.RunAsync(settings, CancellationToken.None);

        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(_out.FullName, "results.json")));
        var root = json.RootElement;
        var samples = root.GetProperty("samples").EnumerateArray().ToList();
        Assert.True(samples.Count >= 8);
        Assert.True(samples[^1].GetProperty("read").GetInt64() > 0);
        Assert.True(samples[^1].GetProperty("written").GetInt64() >= samples[^1].GetProperty("read").GetInt64());
        Assert.True(root.GetProperty("checkpoints").GetInt64() > 0);
        Assert.True(root.GetProperty("rateEventsPerSecond").GetDouble() > 0);
        Assert.True(File.Exists(Path.Combine(_out.FullName, "soak.png")));
    }
}
