using System.Collections.Concurrent;
using System.Text.Json;
using Cameo.Operators;
using Microsoft.Extensions.Logging;

namespace Cameo.Checkpoints;

/// <summary>
/// Runs the checkpoints of one query (asynchronous barrier snapshots): every
/// <see cref="CheckpointOptions.Interval"/> it asks the sources for a barrier, collects each instance's
/// acknowledged state, serializes it and writes it to the store off the workers (on one low-priority
/// thread, <see cref="CheckpointSaver"/>), and once every instance has
/// acknowledged, records the checkpoint as complete, then tells the sources' readers
/// (<see cref="ICheckpointedReader.OnCheckpointCompletedAsync"/>) and commits the transactional sinks
/// (<see cref="ITransactionalWriter.CommitAsync"/>). One checkpoint is in flight at a time. Before the
/// query starts, <see cref="RecoverAsync"/> loads the newest completed checkpoint that reads back intact.
/// </summary>
public sealed class CheckpointCoordinator : ICheckpointCoordinator, IAsyncDisposable
{
    private sealed class Pending(long id, int instances)
    {
        public readonly long Id = id;
        public readonly CapturedState?[] Parts = new CapturedState?[instances];
        public readonly List<Task> Writes = [];
        public int Acknowledged;
    }

    private readonly string _query;
    private readonly CheckpointOptions _options;
    private readonly int _instances;
    private readonly int _sources;
    private readonly ILogger _logger;
    private readonly TimeProvider _clock;
    private readonly Lock _lock = new();
    private readonly ConcurrentDictionary<int, ICheckpointedReader> _readers = new();
    private readonly ConcurrentDictionary<int, ITransactionalWriter> _writers = new();
    private readonly CancellationTokenSource _stop = new();
    private InstanceState?[] _restored = [];
    private Pending? _pending;
    private long _requested;
    private long _lastCompleted;
    private readonly Dictionary<int, InstanceState> _finalStates = [];
    private int _sourcesEnded;
    private Task _loop = Task.CompletedTask;
    private Task _completing = Task.CompletedTask;

    /// <param name="query">The query's name: checkpoints are stored, and found again after a restart, under it.</param>
    /// <param name="options">Store, interval, retention, serializer.</param>
    /// <param name="instances">Operator instances in the query (sources and sinks included): each must acknowledge every checkpoint.</param>
    /// <param name="sources">Source instances among them.</param>
    /// <param name="clock">Times the interval.</param>
    /// <param name="logger">Where failed checkpoints and fallbacks are logged.</param>
    public CheckpointCoordinator(string query, CheckpointOptions options, int instances, int sources, TimeProvider clock, ILogger logger)
    {
        options.Validate();
        _query = query;
        _options = options;
        _instances = instances;
        _sources = sources;
        _clock = clock;
        _logger = logger;
    }

    public long Requested => Volatile.Read(ref _requested);

    public long StartedAfter { get; private set; }

    public JsonSerializerOptions Serializer => _options.Serializer;

    /// <summary>The newest checkpoint completed (or resumed from); 0 before any.</summary>
    public long LastCompleted => Volatile.Read(ref _lastCompleted);

    /// <summary>The checkpoint the query resumed from, or null if it started afresh.</summary>
    public long? RestoredFrom { get; private set; }

    public InstanceState? Restored(int instance) => instance < _restored.Length ? _restored[instance] : null;

    public void Register(int instance, ICheckpointedReader reader) => _readers[instance] = reader;

    public void Register(int instance, ITransactionalWriter writer) => _writers[instance] = writer;

    public void Ended(int instance, InstanceState finalState, bool source)
    {
        long pending;
        lock (_lock)
        {
            _finalStates[instance] = finalState;
            if (source) _sourcesEnded++;
            pending = _pending?.Id ?? 0;
        }
        if (pending > 0) Acknowledge(pending, instance, finalState); // it ended before injecting that barrier
    }

    /// <summary>
    /// Loads the newest completed checkpoint of the query whose every part reads back intact
    /// (a corrupted one is logged and the one before it is used) and recovers the transactional sinks
    /// to it; with no checkpoint, the sinks discard whatever an earlier run left uncommitted.
    /// Call once, after the instances are created and before any record flows.
    /// </summary>
    /// <exception cref="CorruptCheckpointException">Checkpoints exist but none is intact.</exception>
    /// <exception cref="InvalidOperationException">The checkpoint was taken of a query with another number of instances.</exception>
    public async Task RecoverAsync(CancellationToken cancellationToken)
    {
        var store = _options.Store;
        var completed = await store.CompletedAsync(_query, cancellationToken).ConfigureAwait(false);
        CorruptCheckpointException? lastError = null;
        foreach (long id in completed)
        {
            try
            {
                var metadata = JsonSerializer.Deserialize<CheckpointMetadata>(await store.ReadMetadataAsync(_query, id, cancellationToken).ConfigureAwait(false))
                    ?? throw new CorruptCheckpointException($"Checkpoint {id} of query '{_query}' has empty metadata.");
                if (metadata.Instances != _instances)
                    throw new InvalidOperationException($"Checkpoint {id} of query '{_query}' holds {metadata.Instances} operator instances, the query now has {_instances}: " +
                        "a query whose shape or parallelism changed cannot resume from it (remove its checkpoints to start afresh).");
                var states = new InstanceState?[_instances];
                for (int i = 0; i < _instances; i++)
                    states[i] = InstanceState.FromBytes(await store.ReadAsync(_query, id, i, cancellationToken).ConfigureAwait(false));
                _restored = states;
                RestoredFrom = id;
                Volatile.Write(ref _lastCompleted, id);
                break;
            }
            catch (CorruptCheckpointException ex)
            {
                lastError = ex;
                CheckpointLog.Corrupt(_logger, ex, _query, id);
            }
        }
        if (completed.Count > 0 && RestoredFrom is null)
            throw new CorruptCheckpointException($"No checkpoint of query '{_query}' reads back intact ({completed.Count} tried): {lastError?.Message}");
        // New checkpoints are numbered after every one stored, so none overwrites a (corrupt) completed one.
        StartedAfter = completed.Count > 0 ? completed[0] : 0;
        Volatile.Write(ref _requested, StartedAfter);
        foreach (var (instance, writer) in _writers)
            await writer.RecoverAsync(RestoredFrom, Restored(instance)?.SinkPreCommit, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Starts asking the sources for a checkpoint every interval, until the sources end or the coordinator is disposed.</summary>
    public void Start() => _loop = TriggerLoopAsync(_stop.Token);

    private async Task TriggerLoopAsync(CancellationToken stop)
    {
        try
        {
            while (true)
            {
                await Task.Delay(_options.Interval, _clock, stop).ConfigureAwait(false);
                long id;
                KeyValuePair<int, InstanceState>[] ended;
                lock (_lock)
                {
                    if (_sourcesEnded == _sources) return;
                    if (_pending is not null) continue; // the previous checkpoint is still in flight
                    _pending = new Pending(_requested + 1, _instances);
                    id = _pending.Id;
                    ended = [.. _finalStates];
                    Volatile.Write(ref _requested, id);
                }
                foreach (var (instance, state) in ended) Acknowledge(id, instance, state);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
    }

    public void Acknowledge(long checkpointId, int instance, InstanceState state) => Acknowledge(checkpointId, instance, CapturedState.Of(state));

    /// <summary>
    /// Counts the instance's part as acknowledged and saves it off the workers: the worker that
    /// acknowledged goes back to its messages while the captured state is serialized on the process's
    /// low-priority saver thread (<see cref="CheckpointSaver"/>), then checksummed and written from the
    /// thread pool. The checkpoint completes once every part is written; a part that fails to serialize
    /// or to be written fails the checkpoint (logged), and the next one is taken at the next interval.
    /// </summary>
    public void Acknowledge(long checkpointId, int instance, CapturedState state)
    {
        lock (_lock)
        {
            if (_pending is not { } pending || pending.Id != checkpointId || pending.Parts[instance] is not null) return;
            pending.Parts[instance] = state;
            pending.Writes.Add(Task.Run(() => SaveAsync(checkpointId, instance, state, _stop.Token)));
            if (++pending.Acknowledged == _instances) _completing = CompleteAsync(pending);
        }
    }

    private async Task SaveAsync(long checkpointId, int instance, CapturedState state, CancellationToken token)
    {
        byte[] bytes = await CheckpointSaver.Run(() => state.Serialize().ToBytes()).ConfigureAwait(false);
        await _options.Store.WriteAsync(_query, checkpointId, instance, bytes, token).ConfigureAwait(false);
    }

    private async Task CompleteAsync(Pending pending)
    {
        var token = _stop.Token;
        try
        {
            await Task.WhenAll(pending.Writes).ConfigureAwait(false);
            var metadata = JsonSerializer.SerializeToUtf8Bytes(new CheckpointMetadata(pending.Id, _query, _instances, _clock.GetUtcNow()));
            await _options.Store.CompleteAsync(_query, pending.Id, metadata, _options.Keep, token).ConfigureAwait(false);
            Volatile.Write(ref _lastCompleted, pending.Id);
            foreach (var (instance, reader) in _readers)
                if (pending.Parts[instance]?.SourcePosition is { } position)
                    await reader.OnCheckpointCompletedAsync(pending.Id, position, token).ConfigureAwait(false);
            foreach (var (instance, writer) in _writers)
                if (pending.Parts[instance]?.SinkPreCommit is { } preCommit)
                    await writer.CommitAsync(pending.Id, preCommit, token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            CheckpointLog.Failed(_logger, ex, _query, pending.Id);
        }
        finally
        {
            lock (_lock) if (_pending == pending) _pending = null;
        }
    }

    /// <summary>For diagnostics: the checkpoint in flight and the instances that have not acknowledged it.</summary>
    internal string DescribePending()
    {
        lock (_lock)
            return _pending is not { } p ? "none in flight"
                : $"checkpoint {p.Id} waits for instances [{string.Join(",", Enumerable.Range(0, _instances).Where(i => p.Parts[i] is null))}], writes done {p.Writes.Count(w => w.IsCompleted)}/{p.Writes.Count}";
    }

    /// <summary>
    /// Stops triggering checkpoints and waits for the one completing and for the parts of one still
    /// in flight, so nothing writes to the store after the query has stopped (the caller may delete it).
    /// A part whose write is cancelled or fails is abandoned with its checkpoint: it never completes.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        Task completing;
        Task[] writes;
        lock (_lock)
        {
            completing = _completing;
            writes = _pending is { } pending ? [.. pending.Writes] : [];
        }
        try
        {
            await Task.WhenAll(writes).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // An abandoned checkpoint's failure is not the query's: it never completes, and recovery skips it.
        }
        await Task.WhenAll(_loop, completing).ConfigureAwait(false);
    }
}

/// <summary>What a completed checkpoint records besides its instances' states.</summary>
/// <param name="Id">The checkpoint's number.</param>
/// <param name="Query">The query's name.</param>
/// <param name="Instances">How many instance states it holds (the query's shape must match to resume).</param>
/// <param name="CompletedAt">When it completed.</param>
public sealed record CheckpointMetadata(long Id, string Query, int Instances, DateTimeOffset CompletedAt);

internal static partial class CheckpointLog
{
    [LoggerMessage(EventId = 20, Level = LogLevel.Warning, Message = "Query {Query}: checkpoint {Checkpoint} is corrupt, trying the one before it")]
    public static partial void Corrupt(ILogger logger, Exception error, string query, long checkpoint);

    [LoggerMessage(EventId = 21, Level = LogLevel.Error, Message = "Query {Query}: checkpoint {Checkpoint} failed; the next one is taken at the next interval")]
    public static partial void Failed(ILogger logger, Exception error, string query, long checkpoint);
}
