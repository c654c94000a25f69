using System.Text.Json;
using Cameo.Cli.Chaos;
using Cameo.Cli.Commands;
using Cameo.Workloads.Chaos;
using StackExchange.Redis;

namespace Cameo.Workloads.Tests.Chaos;

/// <summary>
/// `cameo chaos crash` end to end: real worker processes (this build's cameo executable) killed with
/// SIGKILL and restarted, against the redis-server on 127.0.0.1:6379 that <c>.ci/run</c> starts
/// (each run uses keys of its own).
/// </summary>
public sealed class ChaosCrashTests : IDisposable
{
    private const string Redis = "127.0.0.1:6379";
    private readonly DirectoryInfo _out = Directory.CreateTempSubdirectory("cameo-chaos-test-");

    public void Dispose() => _out.Delete(recursive: true);

    [Fact]
    public async Task Two_kills_lose_and_duplicate_nothing_in_either_exactly_once_sink()
    {
        await using (var redis = await Connect()) { }
        var settings = new ChaosCrashSettings(Kills: 2, Events: 3_000, _out.FullName, Redis, Seed: 5, InputSeconds: 6, TimeSpan.FromMilliseconds(300));

        int exit = await ChaosCommand.RunCrashAsync(settings, CancellationToken.None);

        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(_out.FullName, "results.json")));
        var root = json.RootElement;
        Assert.Equal(2, root.GetProperty("kills").GetInt32());
        Assert.Equal(0, root.GetProperty("lost").GetInt64());
        Assert.Equal(0, root.GetProperty("duplicated").GetInt64());
        Assert.Equal(0, root.GetProperty("wrong").GetInt64());
        Assert.Equal(0, exit);
        var sinks = root.GetProperty("sinks").EnumerateArray().ToList();
        Assert.Equal(4, sinks.Count);
        Assert.All(sinks, s => Assert.True(s.GetProperty("expected").GetInt64() > 0));
        // Three starts: two killed after they emitted (so each restart's recovery is measured), the last one finished.
        var runs = root.GetProperty("runs").EnumerateArray().ToList();
        Assert.Equal([true, true, false], runs.Select(r => r.GetProperty("killedAtSeconds").ValueKind == JsonValueKind.Number));
        Assert.All(runs, r => Assert.True(r.GetProperty("recoverySeconds").GetDouble() > 0));
        Assert.Equal(runs.Skip(1).Max(r => r.GetProperty("recoverySeconds").GetDouble()), root.GetProperty("recoverySecondsMax").GetDouble());
        Assert.True(File.Exists(Path.Combine(_out.FullName, "worker-2.log")));
    }

    [Theory]
    [InlineData(SiloKillVictim.Instances)]
    [InlineData(SiloKillVictim.Coordinator)]
    public async Task A_silo_killed_mid_stream_loses_and_duplicates_nothing_and_the_queries_complete(SiloKillVictim victim)
    {
        await using (var redis = await Connect()) { }
        var settings = new ChaosSiloKillSettings(Silos: 3, Events: 3_000, _out.FullName, Redis, Seed: 5, InputSeconds: 10, TimeSpan.FromMilliseconds(300), victim);

        var run = await BenchCli.CaptureAsync(() => ChaosCommand.RunSiloKillAsync(settings, CancellationToken.None));

        Assert.True(run.Exit == 0, $"{run.Output}\nThe coordinators' log lines:\n{CoordinatorLines()}");
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(_out.FullName, "results.json")));
        var root = json.RootElement;
        Assert.Equal(1, root.GetProperty("kills").GetInt32());
        Assert.Equal(0, root.GetProperty("lost").GetInt64());
        Assert.Equal(0, root.GetProperty("duplicated").GetInt64());
        Assert.Equal(0, root.GetProperty("wrong").GetInt64());
        Assert.True(root.GetProperty("recoverySecondsMax").GetDouble() > 0);
        Assert.All(root.GetProperty("sinks").EnumerateArray(), s => Assert.True(s.GetProperty("expected").GetInt64() > 0));
    }

    /// <summary>What the silos' query coordinators logged (rollbacks, failures), for a failed run.</summary>
    private string CoordinatorLines() => string.Join('\n', _out.EnumerateFiles("silo-*.log")
        .SelectMany(f => File.ReadLines(f.FullName).Where(l => l.Contains("Cameo.Orleans", StringComparison.Ordinal)).Select(l => $"{f.Name}: {l}")));

    private static async Task<ConnectionMultiplexer> Connect()
    {
        try
        {
            return await ConnectionMultiplexer.ConnectAsync($"{Redis},connectTimeout=2000,abortConnect=true");
        }
        catch (RedisConnectionException ex)
        {
            throw new InvalidOperationException($"No redis-server answers on {Redis}: `.ci/run` starts one; locally run `redis-server --port 6379 --daemonize yes`.", ex);
        }
    }

    [Theory]
    [InlineData("500ms", 500)]
    [InlineData("1s", 1000)]
    [InlineData("1.5", 1500)]
    [InlineData("2m", 120_000)]
    public void Durations_take_a_unit(string text, double ms)
    {
        Assert.True(Duration.TryParse(text, out var value));
        Assert.Equal(TimeSpan.FromMilliseconds(ms), value);
    }

    [Fact]
    public void A_duration_without_a_number_is_refused() => Assert.False(Duration.TryParse("fast", out _));
}
