using Cameo.Checkpoints;
using StackExchange.Redis;

namespace Cameo.Redis.State;

/// <summary>
/// Keeps checkpoints in Redis, shared by every process of a cluster: each instance's part under
/// <c>prefix:query:id:instance</c>, sealed with a checksum (<see cref="StateSeal"/>); a checkpoint
/// exists once a transaction has stored its metadata and added it to the sorted set
/// <c>prefix:query:completed</c>. Checkpoints begun are kept in <c>prefix:query:begun</c>, so pruning
/// removes incomplete ones too.
/// </summary>
/// <param name="redis">A connection (the caller owns it).</param>
/// <param name="prefix">The prefix of every key.</param>
public sealed class RedisStateStore(IConnectionMultiplexer redis, string prefix = "cameo:checkpoints") : IStateStore
{
    private IDatabase Db => redis.GetDatabase();

    private string Key(string query, string what) => $"{prefix}:{query}:{what}";

    private string PartKey(string query, long checkpointId, string part) => Key(query, $"{checkpointId}:{part}");

    public async Task WriteAsync(string query, long checkpointId, int instance, ReadOnlyMemory<byte> state, CancellationToken cancellationToken)
    {
        var db = Db;
        await db.SortedSetAddAsync(Key(query, "begun"), checkpointId, checkpointId).ConfigureAwait(false);
        await db.SetAddAsync(PartKey(query, checkpointId, "parts"), instance).ConfigureAwait(false);
        await db.StringSetAsync(PartKey(query, checkpointId, instance.ToString(System.Globalization.CultureInfo.InvariantCulture)), StateSeal.Seal(state.Span)).ConfigureAwait(false);
    }

    public async Task CompleteAsync(string query, long checkpointId, ReadOnlyMemory<byte> metadata, int keep, CancellationToken cancellationToken)
    {
        var db = Db;
        var transaction = db.CreateTransaction();
        _ = transaction.StringSetAsync(PartKey(query, checkpointId, "complete"), StateSeal.Seal(metadata.Span));
        _ = transaction.SortedSetAddAsync(Key(query, "completed"), checkpointId, checkpointId);
        if (!await transaction.ExecuteAsync().ConfigureAwait(false))
            throw new InvalidOperationException($"Redis refused to record checkpoint {checkpointId} of query '{query}' as complete.");
        var completed = await CompletedAsync(query, cancellationToken).ConfigureAwait(false);
        if (completed.Count <= keep) return;
        long oldestKept = completed[keep - 1];
        foreach (var old in await db.SortedSetRangeByScoreAsync(Key(query, "begun"), double.NegativeInfinity, oldestKept, Exclude.Stop).ConfigureAwait(false))
        {
            long id = (long)old;
            var parts = await db.SetMembersAsync(PartKey(query, id, "parts")).ConfigureAwait(false);
            var keys = parts.Select(p => (RedisKey)PartKey(query, id, p.ToString()))
                .Append(PartKey(query, id, "parts")).Append(PartKey(query, id, "complete")).ToArray();
            await db.KeyDeleteAsync(keys).ConfigureAwait(false);
            await db.SortedSetRemoveAsync(Key(query, "completed"), id).ConfigureAwait(false);
            await db.SortedSetRemoveAsync(Key(query, "begun"), id).ConfigureAwait(false);
        }
    }

    public async Task<IReadOnlyList<long>> CompletedAsync(string query, CancellationToken cancellationToken)
    {
        var ids = await Db.SortedSetRangeByScoreAsync(Key(query, "completed"), order: Order.Descending).ConfigureAwait(false);
        return [.. ids.Select(id => (long)id)];
    }

    public Task<byte[]> ReadMetadataAsync(string query, long checkpointId, CancellationToken cancellationToken) =>
        ReadAsync(PartKey(query, checkpointId, "complete"));

    public Task<byte[]> ReadAsync(string query, long checkpointId, int instance, CancellationToken cancellationToken) =>
        ReadAsync(PartKey(query, checkpointId, instance.ToString(System.Globalization.CultureInfo.InvariantCulture)));

    private async Task<byte[]> ReadAsync(string key)
    {
        byte[]? stored = await Db.StringGetAsync(key).ConfigureAwait(false);
        if (stored is null) throw new CorruptCheckpointException($"Redis key '{key}' is missing.");
        return StateSeal.Open(stored, $"Redis key '{key}'");
    }
}
