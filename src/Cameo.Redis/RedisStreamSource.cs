using System.Text;
using System.Text.Json;
using Cameo.Operators;
using StackExchange.Redis;

namespace Cameo.Redis;

/// <summary>When a Redis Streams source acknowledges (<c>XACK</c>) what it read.</summary>
public enum RedisAcknowledgement
{
    /// <summary>
    /// When a completed checkpoint covers the entry, or when the query has ended without failure
    /// (every sink processed everything read). An entry read but not yet covered stays in the
    /// group's pending list and is read again, first, by the same consumer after a restart:
    /// exactly-once with checkpoints (the query's state and the transactional sinks), at-least-once
    /// without. The default.
    /// </summary>
    Processed,

    /// <summary>As soon as it is read: a crash loses what was read and not yet processed (at-most-once).</summary>
    OnRead,
}

/// <summary>How a <see cref="RedisStreamSource{T}"/> reads.</summary>
public sealed class RedisStreamSourceOptions<T>
{
    /// <summary>The consumer group the instances read in; created (with the stream) if missing. Default <c>cameo</c>.</summary>
    public string Group { get; set; } = "cameo";

    /// <summary>
    /// Consumer name prefix: instance <c>i</c> reads as <c>{Consumer}-{i}</c>. Keep it stable across
    /// restarts (so a restarted instance finds its pending entries) and distinct per process reading
    /// the same group. Default <c>cameo</c>.
    /// </summary>
    public string Consumer { get; set; } = "cameo";

    /// <summary>Where a newly created group starts: <c>0</c> (the whole stream, the default) or <c>$</c> (new entries only).</summary>
    public string StartId { get; set; } = "0";

    /// <summary>Entries per <c>XREADGROUP ... COUNT</c>. Default 1024.</summary>
    public int ReadCount { get; set; } = 1024;

    /// <summary>The field holding a record as JSON. Default <c>data</c>.</summary>
    public string Field { get; set; } = "data";

    /// <summary>JSON options for <see cref="Field"/>; default: web defaults (camelCase, case-insensitive).</summary>
    public JsonSerializerOptions? JsonOptions { get; set; }

    /// <summary>
    /// Turns an entry into a record instead of JSON in <see cref="Field"/> (e.g. several fields, or
    /// the entry id's time with <see cref="RedisStreams.TimeOf"/>). An exception sends the entry to
    /// the dead letters.
    /// </summary>
    public Func<StreamEntry, T>? Deserialize { get; set; }

    /// <summary>When entries are acknowledged. Default <see cref="RedisAcknowledgement.Processed"/>.</summary>
    public RedisAcknowledgement Acknowledge { get; set; } = RedisAcknowledgement.Processed;

    /// <summary>Ends the source when a read finds nothing new (a bounded replay), instead of waiting for more.</summary>
    public bool StopWhenEmpty { get; set; }

    /// <summary>Wait before asking again when a read found nothing. Default 2 ms.</summary>
    public TimeSpan IdlePoll { get; set; } = TimeSpan.FromMilliseconds(2);

    /// <summary>Retries while the server does not answer, before the query fails.</summary>
    public RedisRetryOptions Retry { get; set; } = new();

    /// <summary>A connection to use instead of opening one per instance (then not closed by the source).</summary>
    public IConnectionMultiplexer? Connection { get; set; }

    internal void Validate()
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(Group);
        ArgumentException.ThrowIfNullOrWhiteSpace(Consumer);
        ArgumentException.ThrowIfNullOrWhiteSpace(Field);
        ArgumentOutOfRangeException.ThrowIfLessThan(ReadCount, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(IdlePoll, TimeSpan.Zero);
        Retry.Validate();
    }
}

/// <summary>
/// Reads a Redis stream with a consumer group: every instance is a consumer of its own, so
/// parallel instances share the entries, each entry going to one of them. An instance first reads
/// again the entries pending for it (read before a restart, never acknowledged), then new ones,
/// with one <c>XREADGROUP ... COUNT</c> always in flight while entries keep coming. Entries that do
/// not turn into records go to the query's dead letters with their entry id. Acknowledgement: see
/// <see cref="RedisAcknowledgement"/>.
/// </summary>
public sealed class RedisStreamSource<T>(string configuration, string stream, RedisStreamSourceOptions<T> options) : Source<T>
{
    public override string Description => $"Redis stream '{stream}' (group '{options.Group}')";

    /// <summary>Any number: each instance is one more consumer in the group.</summary>
    public override int MaxParallelism => int.MaxValue;

    public override SourceReader<T> Open(int instance, int parallelism, SourceContext context) =>
        new RedisStreamReader<T>(new RedisConnection(configuration, options.Connection, options.Retry, stream), stream, $"{options.Consumer}-{instance}", options, context, Description);
}

/// <summary>One consumer of a <see cref="RedisStreamSource{T}"/>.</summary>
internal sealed class RedisStreamReader<T> : SourceReader<T>, ICheckpointedReader
{
    private const int AckPage = 1000;        // ids per XACK
    private const int PendingPage = 10_000;  // entries per XPENDING
    private const int UnacknowledgedLimit = 1 << 20;
    private readonly UnacknowledgedIds _unacknowledged = new(UnacknowledgedLimit);
    private readonly RedisConnection _redis;
    private readonly RedisKey _stream;
    private readonly string _consumer;
    private readonly RedisStreamSourceOptions<T> _options;
    private readonly SourceContext _context;
    private readonly string _description;
    private readonly JsonSerializerOptions _json;
    private readonly RedisValue _field;
    private bool _ready;
    private bool _readingPending = true;   // re-reading this consumer's pending entries, after _pendingAfter
    private RedisValue _pendingAfter = "0";
    private StreamEntry[] _fetched = [];
    private int _next;                      // next entry of _fetched to hand over
    private Task<StreamEntry[]>? _prefetch; // the next XREADGROUP of new entries, in flight
    private RedisValue _lastReturned;       // the last entry handed to the query (or covered by a restored checkpoint)
    private long _entries;
    private bool _endRegistered;

    public RedisStreamReader(RedisConnection redis, string stream, string consumer, RedisStreamSourceOptions<T> options, SourceContext context, string description)
    {
        options.Validate();
        _redis = redis;
        _stream = stream;
        _consumer = consumer;
        _options = options;
        _context = context;
        _description = description;
        _json = options.JsonOptions ?? new JsonSerializerOptions(JsonSerializerDefaults.Web);
        _field = options.Field;
    }

    /// <summary>The consumer name this instance reads as.</summary>
    public string ConsumerName => _consumer;

    public override async ValueTask<SourceRead> ReadAsync(T[] items, long[] arrivals, long now, CancellationToken cancellationToken)
    {
        await EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        int n = 0;
        while (n < items.Length)
        {
            if (_next == _fetched.Length)
            {
                if (n > 0 && !_readingPending && _prefetch is { IsCompleted: false }) break; // hand over what we have; the read in flight is for the next call
                _fetched = await FetchAsync(cancellationToken).ConfigureAwait(false);
                _next = 0;
                if (_fetched.Length == 0)
                {
                    if (_readingPending)
                    {
                        _readingPending = false;
                        continue;
                    }
                    if (n > 0) break;
                    if (_options.StopWhenEmpty) return new SourceRead(0, true);
                    return new SourceRead(0, false, now + _options.IdlePoll.Ticks);
                }
            }
            var entry = _fetched[_next++];
            _lastReturned = entry.Id;
            _entries++;
            if (TryRead(entry, out var item)) items[n++] = item;
        }
        return new SourceRead(n, false);
    }

    /// <summary>Connects, creates the group if missing, and registers the acknowledgement at the query's end.</summary>
    private async ValueTask EnsureReadyAsync(CancellationToken cancellationToken)
    {
        if (_ready) return;
        await _redis.RunAsync("creating consumer group", async db =>
        {
            try
            {
                await db.StreamCreateConsumerGroupAsync(_stream, _options.Group, _options.StartId, createStream: true).ConfigureAwait(false);
            }
            catch (RedisServerException ex) when (ex.Message.StartsWith("BUSYGROUP", StringComparison.Ordinal))
            {
                // the group exists: read where it is
            }
        }, cancellationToken).ConfigureAwait(false);
        _ready = true;
        if (!_endRegistered)
            _endRegistered = _context.OnQueryEnded(OnQueryEndedAsync);
    }

    /// <summary>The next entries: this consumer's pending ones first (a page at a time), then new ones, keeping the next read of new ones in flight.</summary>
    private async Task<StreamEntry[]> FetchAsync(CancellationToken cancellationToken)
    {
        StreamEntry[] entries;
        if (_readingPending)
        {
            var after = _pendingAfter;
            entries = await _redis.RunAsync("reading pending entries", db =>
                db.StreamReadGroupAsync(_stream, _options.Group, _consumer, after, _options.ReadCount), cancellationToken).ConfigureAwait(false);
            if (entries.Length > 0) _pendingAfter = entries[^1].Id;
        }
        else
        {
            var inFlight = _prefetch;
            _prefetch = null;
            entries = await _redis.RunAsync("reading new entries", db =>
            {
                var read = inFlight ?? ReadNew(db);
                inFlight = null; // a retry reads afresh
                return read;
            }, cancellationToken).ConfigureAwait(false);
            if (entries.Length > 0 && _redis.Database is { } db) _prefetch = ReadNew(db);
        }
        if (_options.Acknowledge == RedisAcknowledgement.OnRead && entries.Length > 0)
        {
            var ids = Array.ConvertAll(entries, e => e.Id);
            await _redis.RunAsync("acknowledging", db => db.StreamAcknowledgeAsync(_stream, _options.Group, ids), cancellationToken).ConfigureAwait(false);
        }
        else if (entries.Length > 0)
        {
            _unacknowledged.Add(entries);
        }
        return entries;
    }

    private Task<StreamEntry[]> ReadNew(IDatabase db) =>
        db.StreamReadGroupAsync(_stream, _options.Group, _consumer, StreamPosition.NewMessages, _options.ReadCount);

    /// <summary>The entry's record, or false after sending it to the dead letters (an entry deleted from the stream is skipped).</summary>
    private bool TryRead(StreamEntry entry, out T item)
    {
        item = default!;
        if (entry.IsNull || entry.Values is null || entry.Values.Length == 0) return false; // deleted (trimmed) while pending
        RedisValue value = RedisValue.Null;
        try
        {
            if (_options.Deserialize is { } deserialize)
            {
                item = deserialize(entry);
                if (item is null) { DeadLetter(entry, Describe(entry), "the deserializer returned null"); return false; }
                return true;
            }
            value = entry[_field];
            if (value.IsNull) { DeadLetter(entry, Describe(entry), $"the entry has no field '{_options.Field}'"); return false; }
            // Parsed from the reply's UTF-8 bytes, without a string in between.
            var parsed = JsonSerializer.Deserialize<T>(((ReadOnlyMemory<byte>)value).Span, _json);
            if (parsed is null) { DeadLetter(entry, value.ToString(), "the value is JSON null"); return false; }
            item = parsed;
            return true;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            DeadLetter(entry, value.IsNull ? Describe(entry) : value.ToString(), ex.Message);
            return false;
        }
    }

    private void DeadLetter(StreamEntry entry, string input, string error) =>
        _context.DeadLetter(new DeadLetter(_description, _entries, input, error) { Position = entry.Id.ToString() });

    private static string Describe(StreamEntry entry) => string.Join(' ', entry.Values.Select(v => $"{v.Name}={v.Value}"));

    /// <inheritdoc/>
    public byte[] Position => _lastReturned.IsNull ? [] : Encoding.UTF8.GetBytes(_lastReturned.ToString());

    /// <summary>
    /// Acknowledges this consumer's pending entries up to <paramref name="position"/> (processed
    /// before the checkpoint; their acknowledgement may have been lost in a crash), and re-reads the
    /// ones after it first.
    /// </summary>
    public async ValueTask RestoreAsync(byte[] position, CancellationToken cancellationToken)
    {
        await EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        if (position.Length == 0) return;
        var id = (RedisValue)Encoding.UTF8.GetString(position);
        await AcknowledgeUpToAsync(id, fromServer: true, cancellationToken).ConfigureAwait(false);
        _pendingAfter = id;
        _lastReturned = id;
    }

    /// <inheritdoc/>
    public async ValueTask OnCheckpointCompletedAsync(long checkpointId, byte[] position, CancellationToken cancellationToken)
    {
        if (position.Length == 0 || _options.Acknowledge == RedisAcknowledgement.OnRead) return;
        await AcknowledgeUpToAsync(Encoding.UTF8.GetString(position), fromServer: false, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// <c>XACK</c>s this consumer's entries with ids up to <paramref name="id"/>: those it fetched
    /// itself at once, from <see cref="_unacknowledged"/> (every page sent before the first reply is
    /// awaited); those read before a restart (or when too many were fetched since the last
    /// acknowledgement to keep their ids) from the server's pending list, a page of <c>XPENDING</c>
    /// at a time, each page's <c>XACK</c> sent with the next <c>XPENDING</c> (the server runs them in
    /// order). Entries read ahead (after <paramref name="id"/>) stay pending. Idempotent.
    /// </summary>
    private async Task AcknowledgeUpToAsync(RedisValue id, bool fromServer, CancellationToken cancellationToken)
    {
        if (!fromServer && !_unacknowledged.Overflowed)
        {
            var pages = _unacknowledged.TakeUpTo(id, AckPage);
            await Task.WhenAll(pages.Select(ids => _redis.RunAsync("acknowledging", db => db.StreamAcknowledgeAsync(_stream, _options.Group, ids), cancellationToken))).ConfigureAwait(false);
            return;
        }
        RedisValue[]? acknowledge = null;
        while (true)
        {
            var ids = acknowledge;
            var pending = await _redis.RunAsync("acknowledging", async db =>
            {
                var acked = ids is null ? null : db.StreamAcknowledgeAsync(_stream, _options.Group, ids);
                var next = await db.StreamPendingMessagesAsync(_stream, _options.Group, PendingPage, _consumer, "-", id).ConfigureAwait(false);
                if (acked is not null) await acked.ConfigureAwait(false);
                return next;
            }, cancellationToken).ConfigureAwait(false);
            if (pending.Length == 0) return;
            acknowledge = Array.ConvertAll(pending, p => p.MessageId);
            if (pending.Length < PendingPage)
            {
                await _redis.RunAsync("acknowledging", db => db.StreamAcknowledgeAsync(_stream, _options.Group, acknowledge), cancellationToken).ConfigureAwait(false);
                return;
            }
        }
    }

    /// <summary>At the query's end: acknowledge everything handed over if every sink processed it; then close.</summary>
    private async ValueTask OnQueryEndedAsync(bool completed)
    {
        try
        {
            if (completed && _options.Acknowledge == RedisAcknowledgement.Processed && !_lastReturned.IsNull)
                await AcknowledgeUpToAsync(_lastReturned, fromServer: false, CancellationToken.None).ConfigureAwait(false);
        }
        finally
        {
            await DrainPrefetchAsync().ConfigureAwait(false);
            await _redis.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Lets a read in flight finish before the connection closes (what it read stays pending for this consumer).</summary>
    private async Task DrainPrefetchAsync()
    {
        if (_prefetch is null) return;
        try { await _prefetch.ConfigureAwait(false); }
        catch (Exception ex) when (ex is RedisException or TimeoutException) { /* the entries stay pending, or were never read */ }
        _prefetch = null;
    }

    public override async ValueTask DisposeAsync()
    {
        if (_endRegistered) return; // the query's end acknowledges, then closes
        await DrainPrefetchAsync().ConfigureAwait(false);
        await _redis.DisposeAsync().ConfigureAwait(false);
    }
}
