using System.Text.Json;
using Cameo.Operators;
using StackExchange.Redis;

namespace Cameo.Redis;

/// <summary>How a <see cref="RedisStreamSink{T}"/> writes.</summary>
public sealed class RedisStreamSinkOptions<T>
{
    /// <summary>The field each result is written to. Default <c>data</c>.</summary>
    public string Field { get; set; } = "data";

    /// <summary>Turns a result into the field's value instead of JSON.</summary>
    public Func<T, string>? Serialize { get; set; }

    /// <summary>JSON options; default: web defaults (camelCase).</summary>
    public JsonSerializerOptions? JsonOptions { get; set; }

    /// <summary>If set, each <c>XADD</c> trims the stream to about this many entries (<c>MAXLEN ~</c>).</summary>
    public long? MaxLength { get; set; }

    /// <summary>
    /// Names this sink in its commit markers (<c>cameo:commit:{stream}:{name}:...</c>); give each query
    /// writing to the same stream its own. Default: <c>cameo</c>.
    /// </summary>
    public string Name { get; set; } = "cameo";

    /// <summary>How long a commit marker is kept (a checkpoint's results are written at most once within it). Default 7 days.</summary>
    public TimeSpan CommitMarkerExpiry { get; set; } = TimeSpan.FromDays(7);

    /// <summary>Most batches sent and not yet confirmed, without checkpoints, before a write waits. Default 64.</summary>
    public int MaxBatchesInFlight { get; set; } = 64;

    /// <summary>Retries while the server does not answer, before the query fails.</summary>
    public RedisRetryOptions Retry { get; set; } = new();

    /// <summary>A connection to use instead of opening one per instance (then not closed by the sink).</summary>
    public IConnectionMultiplexer? Connection { get; set; }

    internal void Validate()
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(Field);
        ArgumentException.ThrowIfNullOrWhiteSpace(Name);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxBatchesInFlight, 1);
        if (MaxLength is < 1) throw new ArgumentOutOfRangeException(nameof(MaxLength), MaxLength, "A stream keeps at least one entry.");
        Retry.Validate();
    }
}

/// <summary>
/// Appends results to a Redis stream (<c>XADD</c>, one script call per batch of up to
/// <see cref="RedisStreamSink{T}.ChunkSize"/> results).
/// </summary>
/// <remarks>
/// Without checkpoints each batch is sent at once, pipelined (at-least-once: a batch retried after
/// a lost reply may be written twice, and batches retried after a reconnection may land after later
/// ones). With checkpoints (the runtime calls <see cref="ITransactionalWriter.RecoverAsync"/> first)
/// results are held until the checkpoint that covers them completes, then written by a script that
/// first sets the marker <c>cameo:commit:{stream}:{name}:{instance}:{checkpoint}:{chunk}</c> and
/// writes nothing if it was set already: a commit repeated after a crash writes nothing twice
/// (exactly-once). When the query ends, the checkpoints whose commit has not run yet are committed, and the results after the last checkpoint are written, keyed by
/// that checkpoint; a failed query writes none of them (its replay will).
/// </remarks>
public sealed class RedisStreamSink<T>(string configuration, string stream, RedisStreamSinkOptions<T> options) : Sink<T>
{
    /// <summary>Most results per script call.</summary>
    public const int ChunkSize = 1000;

    public override string Description => $"Redis stream '{stream}'";

    public override SinkWriter<T> Open(int instance)
    {
        options.Validate();
        return new RedisStreamWriter<T>(new RedisConnection(configuration, options.Connection, options.Retry, stream), stream, instance, options);
    }
}

/// <summary>One instance of a <see cref="RedisStreamSink{T}"/>.</summary>
internal sealed class RedisStreamWriter<T>(RedisConnection redis, string stream, int instance, RedisStreamSinkOptions<T> options) : SinkWriter<T>, ITransactionalWriter
{
    // KEYS[1]: the stream; KEYS[2]: the commit marker, or none. ARGV: field, MAXLEN (0: none), marker expiry (s), values...
    private const string Script = """
        if #KEYS > 1 and not redis.call('SET', KEYS[2], '1', 'NX', 'EX', ARGV[3]) then return -1 end
        local maxlen = tonumber(ARGV[2])
        for i = 4, #ARGV do
          if maxlen > 0 then redis.call('XADD', KEYS[1], 'MAXLEN', '~', maxlen, '*', ARGV[1], ARGV[i])
          else redis.call('XADD', KEYS[1], '*', ARGV[1], ARGV[i]) end
        end
        return #ARGV - 3
        """;

    private readonly JsonSerializerOptions _json = options.JsonOptions ?? new JsonSerializerOptions(JsonSerializerDefaults.Web);
    private readonly Queue<Task> _inFlight = new();
    private List<RedisValue> _open = [];   // with checkpoints: results since the last barrier
    private readonly Lock _lock = new();
    private readonly List<(long Id, RedisValue[] Values)> _uncommitted = []; // pre-committed checkpoints not yet committed, oldest first
    private bool _transactional;
    private long? _lastCheckpoint;

    public override void Write(ReadOnlySpan<T> items, ReadOnlySpan<long> timestamps)
    {
        if (_transactional)
        {
            foreach (var item in items) _open.Add(Serialize(item));
            return;
        }
        ThrowIfFailed();
        for (int start = 0; start < items.Length; start += RedisStreamSink<T>.ChunkSize)
        {
            var chunk = items.Slice(start, Math.Min(RedisStreamSink<T>.ChunkSize, items.Length - start));
            var values = new RedisValue[chunk.Length];
            for (int i = 0; i < chunk.Length; i++) values[i] = Serialize(chunk[i]);
            while (_inFlight.Count >= options.MaxBatchesInFlight) _inFlight.Dequeue().GetAwaiter().GetResult();
            _inFlight.Enqueue(AppendAsync(values, 0, values.Length, marker: null, CancellationToken.None));
        }
    }

    private RedisValue Serialize(T item) => options.Serialize is { } serialize ? serialize(item) : JsonSerializer.Serialize(item, _json);

    /// <summary>Rethrows the error of a batch that failed for good (the query fails with it).</summary>
    private void ThrowIfFailed()
    {
        while (_inFlight.TryPeek(out var sent) && sent.IsCompleted) _inFlight.Dequeue().GetAwaiter().GetResult();
    }

    /// <summary>Writes <paramref name="values"/>[offset..offset+count] in one script call, unless <paramref name="marker"/> is set already.</summary>
    private Task AppendAsync(RedisValue[] values, int offset, int count, string? marker, CancellationToken cancellationToken)
    {
        RedisKey[] keys = marker is null ? [stream] : [stream, marker];
        var args = new RedisValue[count + 3];
        args[0] = options.Field;
        args[1] = options.MaxLength ?? 0;
        args[2] = (long)Math.Max(1, options.CommitMarkerExpiry.TotalSeconds);
        Array.Copy(values, offset, args, 3, count);
        return redis.RunAsync("adding entries", db => db.ScriptEvaluateAsync(Script, keys, args), cancellationToken);
    }

    public override void Complete()
    {
        if (_transactional)
        {
            // Checkpoints pre-committed here whose commit has not run yet (the query may end before
            // the coordinator gets to it): committed now, each under its own markers, so a commit
            // the coordinator makes as well writes nothing twice.
            (long Id, RedisValue[] Values)[] uncommitted;
            lock (_lock) uncommitted = [.. _uncommitted];
            foreach (var (id, pending) in uncommitted)
                CommitValuesAsync(id.ToString(System.Globalization.CultureInfo.InvariantCulture), pending, CancellationToken.None).GetAwaiter().GetResult();
            // The results after the last checkpoint: the query ended, so no checkpoint will cover them.
            var values = _open.ToArray();
            _open = [];
            CommitValuesAsync($"end-{_lastCheckpoint?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "start"}", values, CancellationToken.None).GetAwaiter().GetResult();
        }
        else
        {
            while (_inFlight.TryDequeue(out var sent)) sent.GetAwaiter().GetResult();
        }
        redis.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    /// <summary>
    /// The query failed: results no completed checkpoint covers are dropped (its replay writes them);
    /// batches already sent finish in the background (without holding up the thread that fails the
    /// query through their retries), then the connection closes.
    /// </summary>
    public override void Abort(Exception error)
    {
        _open = [];
        lock (_lock) _uncommitted.Clear();
        var sent = _inFlight.ToArray();
        _inFlight.Clear();
        _ = CloseAfterAsync(sent);
    }

    private async Task CloseAfterAsync(Task[] sent)
    {
        try { await Task.WhenAll(sent).ConfigureAwait(false); }
        catch (Exception) { /* the query has failed already; such a batch is not written */ }
        await redis.DisposeAsync().ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public byte[] PreCommit(long checkpointId)
    {
        _lastCheckpoint = checkpointId;
        var values = _open;
        _open = [];
        lock (_lock) _uncommitted.Add((checkpointId, [.. values]));
        using var buffer = new MemoryStream();
        using (var writer = new BinaryWriter(buffer))
        {
            writer.Write(values.Count);
            foreach (var v in values)
            {
                byte[] bytes = v!;
                writer.Write(bytes.Length);
                writer.Write(bytes);
            }
        }
        return buffer.ToArray();
    }

    /// <inheritdoc/>
    public async ValueTask CommitAsync(long checkpointId, byte[] preCommitState, CancellationToken cancellationToken)
    {
        await CommitValuesAsync(checkpointId.ToString(System.Globalization.CultureInfo.InvariantCulture), Decode(preCommitState), cancellationToken).ConfigureAwait(false);
        lock (_lock) _uncommitted.RemoveAll(u => u.Id <= checkpointId); // commits come in checkpoint order
    }

    /// <inheritdoc/>
    public async ValueTask RecoverAsync(long? checkpointId, byte[]? preCommitState, CancellationToken cancellationToken)
    {
        _transactional = true;
        _lastCheckpoint = checkpointId;
        lock (_lock) _uncommitted.Clear();
        if (checkpointId is { } id && preCommitState is not null)
            await CommitAsync(id, preCommitState, cancellationToken).ConfigureAwait(false);
        // Nothing is written before a commit, so nothing after the checkpoint needs discarding.
    }

    private async Task CommitValuesAsync(string checkpoint, RedisValue[] values, CancellationToken cancellationToken)
    {
        for (int start = 0, chunk = 0; start < values.Length; start += RedisStreamSink<T>.ChunkSize, chunk++)
        {
            string marker = $"cameo:commit:{{{stream}}}:{options.Name}:{instance}:{checkpoint}:{chunk}";
            await AppendAsync(values, start, Math.Min(RedisStreamSink<T>.ChunkSize, values.Length - start), marker, cancellationToken).ConfigureAwait(false);
        }
    }

    private static RedisValue[] Decode(byte[] state)
    {
        using var reader = new BinaryReader(new MemoryStream(state));
        var values = new RedisValue[reader.ReadInt32()];
        for (int i = 0; i < values.Length; i++) values[i] = reader.ReadBytes(reader.ReadInt32());
        return values;
    }
}
