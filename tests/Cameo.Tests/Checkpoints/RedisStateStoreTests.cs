using Cameo.Checkpoints;
using Cameo.Redis.State;
using StackExchange.Redis;

namespace Cameo.Tests.Checkpoints;

/// <summary>
/// <see cref="RedisStateStore"/> against the real redis-server on 127.0.0.1:6379 (started by
/// <c>.ci/run</c>; locally: <c>redis-server --port 6379 --daemonize yes</c>). Each test uses keys of its own.
/// </summary>
public sealed class RedisStateStoreTests : IAsyncLifetime
{
    private readonly string _prefix = $"cameo-test:{Guid.NewGuid():N}";
    private ConnectionMultiplexer _redis = null!;

    public async Task InitializeAsync()
    {
        try
        {
            _redis = await ConnectionMultiplexer.ConnectAsync("127.0.0.1:6379,abortConnect=true,connectTimeout=2000");
        }
        catch (RedisConnectionException ex)
        {
            throw new InvalidOperationException("These tests need redis-server on 127.0.0.1:6379: .ci/run starts it; locally run `redis-server --port 6379 --daemonize yes`.", ex);
        }
    }

    public async Task DisposeAsync()
    {
        var server = _redis.GetServer(_redis.GetEndPoints()[0]);
        await foreach (var key in server.KeysAsync(pattern: $"{_prefix}:*")) await _redis.GetDatabase().KeyDeleteAsync(key);
        await _redis.DisposeAsync();
    }

    [Fact]
    public async Task Parts_and_metadata_round_trip_and_only_completed_checkpoints_are_listed()
    {
        var store = new RedisStateStore(_redis, _prefix);
        byte[] a = [1, 2, 3], b = [.. Enumerable.Range(0, 100_000).Select(i => (byte)i)];
        await store.WriteAsync("q", 1, 0, a, default);
        await store.WriteAsync("q", 1, 1, b, default);
        await store.WriteAsync("q", 2, 0, a, default); // begun, never completed
        Assert.Empty(await store.CompletedAsync("q", default));

        await store.CompleteAsync("q", 1, "meta"u8.ToArray(), keep: 3, default);

        Assert.Equal([1L], await store.CompletedAsync("q", default));
        Assert.Equal(a, await store.ReadAsync("q", 1, 0, default));
        Assert.Equal(b, await store.ReadAsync("q", 1, 1, default));
        Assert.Equal("meta"u8.ToArray(), await store.ReadMetadataAsync("q", 1, default));
        await Assert.ThrowsAsync<CorruptCheckpointException>(() => store.ReadAsync("q", 1, 2, default));
    }

    [Fact]
    public async Task A_corrupted_part_is_refused_by_its_checksum()
    {
        var store = new RedisStateStore(_redis, _prefix);
        await store.WriteAsync("q", 1, 0, new byte[] { 1, 2, 3, 4 }, default);
        var db = _redis.GetDatabase();
        byte[] stored = (await db.StringGetAsync($"{_prefix}:q:1:0"))!;
        stored[^1] ^= 0x01;
        await db.StringSetAsync($"{_prefix}:q:1:0", stored);
        await Assert.ThrowsAsync<CorruptCheckpointException>(() => store.ReadAsync("q", 1, 0, default));
    }

    [Fact]
    public async Task Completing_prunes_to_the_newest_kept_checkpoints_and_the_incomplete_ones_before_them()
    {
        var store = new RedisStateStore(_redis, _prefix);
        for (long id = 1; id <= 5; id++)
        {
            await store.WriteAsync("q", id, 0, new byte[] { (byte)id }, default);
            if (id != 3) await store.CompleteAsync("q", id, new byte[] { 0 }, keep: 2, default);
        }
        Assert.Equal([5L, 4L], await store.CompletedAsync("q", default));
        var server = _redis.GetServer(_redis.GetEndPoints()[0]);
        var left = new List<string>();
        await foreach (var key in server.KeysAsync(pattern: $"{_prefix}:q:*")) left.Add(key.ToString()[(_prefix.Length + 3)..]);
        Assert.DoesNotContain(left, k => k.StartsWith("1:") || k.StartsWith("2:") || k.StartsWith("3:"));
        Assert.Equal([4], await store.ReadAsync("q", 4, 0, default));
    }
}
