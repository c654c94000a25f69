using Cameo.Checkpoints;
using Cameo.Orleans.Checkpoints;
using Cameo.Orleans.Deployment;
using Microsoft.Extensions.Logging;
using Orleans.Runtime.Placement;
using Orleans.Storage;

namespace Cameo.Orleans.Grains;

/// <summary>
/// A query's coordinator: places its instances over the active silos (one placement hint per
/// instance, round-robin), starts them, then its sources; collects sink ends, failures and results;
/// and probes its instances twice a second so that a dead silo is noticed instead of hanging the query.
/// </summary>
/// <remarks>
/// <para>A checkpointed query (the silo has <see cref="CameoSiloOptions.Checkpoints"/>) runs its
/// <see cref="CheckpointCoordinator"/> here: the instances reach it through their
/// <see cref="SiloCheckpoints"/> (acknowledgements and final states, tagged with their incarnation),
/// it asks the sources for barriers (<see cref="IInstanceGrain.RequestCheckpoint"/>) and passes
/// completed checkpoints to the sources' readers and the sinks' writers (<see cref="RemoteReader"/>,
/// <see cref="RemoteWriter"/>). When an instance is lost, the query is rolled back instead of failing
/// (<see cref="RollBackAsync"/>): a new incarnation of every instance is started on the surviving
/// silos and restored from the last completed checkpoint, the sources rewind to its positions, and
/// the old incarnation is retired (what it sent is dropped by its epoch).</para>
/// <para>The coordinator keeps its <see cref="QueryRecord"/> in grain storage (<see cref="CameoHosting.QueryStorage"/>):
/// Orleans deactivates an activation when the silo that held its grain directory entry dies, not only
/// when its own silo dies, and the next call then activates a coordinator elsewhere. That activation
/// reads the record: a query that was running is rolled back to its last completed checkpoint in a new
/// incarnation (the recorded one is retired), and an unchecked one fails with the reason; a query that
/// had ended reports how. Without a record (never deployed, or storage that lost it) the coordinator
/// answers <see cref="QueryState.Unknown"/>, which clients treat as failed. Any call activates it
/// (a client's status request, an instance's report); while the query runs, a reminder
/// (<see cref="WakeEvery"/>) does too when nothing else calls.</para>
/// </remarks>
public sealed class QueryGrain(
    QueryDefinitions definitions,
    CameoSilo silo,
    ILogger<QueryGrain> logger,
    [PersistentState("query", CameoHosting.QueryStorage)] IPersistentState<QueryRecord> record) : Grain, IQueryGrain, IRemindable
{
    /// <summary>How often a running query's reminder calls its coordinator: Orleans' shortest reminder period by default.</summary>
    public static readonly TimeSpan WakeEvery = TimeSpan.FromMinutes(1);
    private const string WakeReminder = "wake";

    private static readonly TimeSpan WatchEvery = TimeSpan.FromMilliseconds(100);
    private const int ProbeEveryWatches = 5; // probes twice a second
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan CheckpointedProbeTimeout = TimeSpan.FromSeconds(3); // a false alarm only costs a rollback
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(10); // per call while rolling back
    private static readonly TimeSpan RetryRollBackAfter = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan AnnounceAgainAfter = TimeSpan.FromSeconds(1);

    /// <summary>Results (as text) a coordinator keeps for status requests.</summary>
    public const int KeptResults = 1000;

    /// <summary>Results a status request without a count returns.</summary>
    public const int DefaultResults = 10;

    private readonly Queue<string> _recent = new();
    private QuerySpec? _spec;
    private QueryState _state = QueryState.Unknown;
    private string? _error;
    private string? _failedAt;
    private long _outputs;
    private int _sinksEnded;
    private string[] _placement = [];
    private string[] _silos = []; // the silo of each instance of the current incarnation
    private readonly HashSet<string> _suspects = []; // silos that lost an instance: no new instance goes there
    private IGrainTimer? _watchdog;
    private int _watches;
    private bool _watching;
    private Task _rollBack = Task.CompletedTask;
    private DateTimeOffset? _submitted, _ended;
    private int _epoch;
    private CheckpointCoordinator? _checkpoints;
    private long _announced;
    private long _announcedAt;
    private int _recoveries;
    private double? _lastRecoverySeconds;
    private Task _saved = Task.CompletedTask;
    private bool _deactivated; // a later activation owns the query: this one neither rolls back nor writes any more

    /// <summary>
    /// Restores the record of an earlier activation: a query that was deploying or running when that
    /// activation ended is resumed from its last checkpoint (a checkpointed query) or failed.
    /// </summary>
    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var r = record.State;
        if (r.Spec is null) return Task.CompletedTask;
        (_spec, _state, _error, _failedAt, _submitted, _ended, _epoch, _recoveries, _lastRecoverySeconds, _outputs) =
            (r.Spec, r.State, r.Error, r.FailedAt, r.Submitted, r.Ended, r.Epoch, r.Recoveries, r.LastRecoverySeconds, r.Outputs);
        if (_state is not (QueryState.Deploying or QueryState.Running)) return Task.CompletedTask;
        DelayDeactivation(TimeSpan.FromDays(1));
        const string why = "its coordinator was re-activated: the silo holding the coordinator or its grain directory entry died";
        if (!_spec.Checkpointed)
        {
            Fail("coordinator", $"{why}; the query is not checkpointed, so it cannot resume", _epoch);
            return Task.CompletedTask;
        }
        _state = QueryState.Running;
        _watchdog = this.RegisterGrainTimer(WatchAsync, new GrainTimerCreationOptions(WatchEvery, WatchEvery) { Interleave = true });
        _rollBack = RollBackAsync(lost: -1, why);
        return Task.CompletedTask;
    }

    /// <summary>A running query's reminder: its activation has resumed the query (<see cref="OnActivateAsync"/>); an ended one's reminder is removed.</summary>
    public Task ReceiveReminder(string reminderName, TickStatus status) =>
        _state is QueryState.Deploying or QueryState.Running ? Task.CompletedTask : ForgetReminderAsync();

    private async Task ForgetReminderAsync()
    {
        try
        {
            if (await this.GetReminder(WakeReminder) is { } reminder) await this.UnregisterReminder(reminder);
        }
        catch (Exception ex)
        {
            QueryLog.ReminderNotRemoved(logger, _spec?.Name ?? this.GetPrimaryKeyString(), ex); // its next tick tries again
        }
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        _deactivated = true;
        _watchdog?.Dispose();
        _watchdog = null;
        if (_checkpoints is { } checkpoints) _ = checkpoints.DisposeAsync().AsTask();
        _checkpoints = null;
        return Task.CompletedTask;
    }

    public async Task<QueryStatus> Deploy(QuerySpec spec)
    {
        if (_spec is not null) throw new InvalidOperationException($"Query key '{spec.Key}' is already deployed.");
        // A submission by name is planned here, from the definitions this silo loaded; an unknown
        // name or rejected parameters fail the call before anything is deployed.
        if (spec.Catalog is not null && spec.Instances.Length == 0)
        {
            try
            {
                spec = definitions.Plan(spec);
            }
            catch (Dataflow.QueryDefinitionException ex)
            {
                throw new ArgumentException(ex.Message); // an exception type every client can decode
            }
        }
        _spec = spec with { Checkpointed = silo.Options.Checkpoints is not null };
        _submitted = DateTimeOffset.UtcNow;
        _state = QueryState.Deploying;
        DelayDeactivation(TimeSpan.FromDays(1));
        await GrainFactory.GetGrain<IQueryDirectoryGrain>(0).Add(spec.Key, spec.Name);
        try
        {
            await SaveAsync(); // before any instance starts: a later activation must know this incarnation
            await this.RegisterOrUpdateReminder(WakeReminder, WakeEvery, WakeEvery);
            await StartIncarnationAsync(await ActiveSilosAsync(), timeout: null);
        }
        catch (Exception ex)
        {
            Fail("deployment", ex.Message, _epoch);
        }
        if (_state == QueryState.Running)
            _watchdog = this.RegisterGrainTimer(WatchAsync, new GrainTimerCreationOptions(WatchEvery, WatchEvery) { Interleave = true });
        return Snapshot(DefaultResults);
    }

    /// <summary>
    /// Starts incarnation <see cref="_epoch"/> of every instance on <paramref name="silos"/>; in a
    /// checkpointed query, recovers the last completed checkpoint and restores every instance from it;
    /// then starts the sources (and the checkpoints).
    /// </summary>
    private async Task StartIncarnationAsync(string[] silos, TimeSpan? timeout)
    {
        var spec = _spec!;
        int epoch = _epoch;
        var starts = new Task<string>[spec.Instances.Length];
        for (int i = 0; i < starts.Length; i++)
        {
            RequestContext.Set(IPlacementDirector.PlacementHintKey, SiloAddress.FromParsableString(silos[i % silos.Length]));
            starts[i] = Within(Instance(i).Start(spec, i, epoch), timeout);
            RequestContext.Remove(IPlacementDirector.PlacementHintKey);
        }
        var placed = await Task.WhenAll(starts);
        _silos = placed;
        _placement = [.. placed.Select((where, i) => $"{spec.Instances[i]} @ {where}")];
        CheckpointCoordinator? checkpoints = null;
        if (spec.Checkpointed)
        {
            var options = silo.Options.Checkpoints!;
            checkpoints = new CheckpointCoordinator(spec.Key, options, spec.Instances.Length, spec.Sources.Length, TimeProvider.System, logger);
            for (int i = 0; i < spec.Instances.Length; i++)
                if (spec.Sources.Contains(i)) checkpoints.Register(i, new RemoteReader(Instance(i)));
                else checkpoints.Register(i, new RemoteWriter(Instance(i)));
            try
            {
                await Within(checkpoints.RecoverAsync(CancellationToken.None), timeout);
                await Task.WhenAll(Enumerable.Range(0, spec.Instances.Length).Select(i =>
                    Within(Instance(i).Restore(checkpoints.Restored(i)?.ToBytes(), checkpoints.StartedAfter), timeout)));
            }
            catch
            {
                await checkpoints.DisposeAsync();
                throw;
            }
            _announced = checkpoints.StartedAfter;
        }
        if (epoch != _epoch || _state is QueryState.Completed or QueryState.Failed)
        {
            if (checkpoints is not null) await checkpoints.DisposeAsync();
            return;
        }
        _checkpoints = checkpoints;
        if (_state == QueryState.Deploying) _state = QueryState.Running;
        await Task.WhenAll(spec.Sources.Select(i => Within(Instance(i).Run(), timeout)));
        checkpoints?.Start();
    }

    private static Task Within(Task call, TimeSpan? timeout) => timeout is { } t ? call.WaitAsync(t) : call;

    private static Task<T> Within<T>(Task<T> call, TimeSpan? timeout) => timeout is { } t ? call.WaitAsync(t) : call;

    /// <summary>The active silos (as <see cref="SiloAddress.ToParsableString"/>), in a stable order, without the suspects unless none would be left.</summary>
    private async Task<string[]> ActiveSilosAsync()
    {
        var active = (await GrainFactory.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true)).Keys
            .Select(s => s.ToParsableString()).OrderBy(s => s, StringComparer.Ordinal).ToArray();
        _suspects.IntersectWith(active); // a suspect the membership has declared dead needs no more avoiding
        var trusted = active.Where(s => !_suspects.Contains(s)).ToArray();
        return trusted.Length > 0 ? trusted : active;
    }

    public Task<QueryStatus> Status() => Task.FromResult(Snapshot(DefaultResults));

    public Task<QueryStatus> Status(int results) => Task.FromResult(Snapshot(Math.Clamp(results, 0, KeptResults)));

    public async Task Stop()
    {
        if (_spec is null || _state != QueryState.Running) return;
        await Task.WhenAll(_spec.Sources.Select(i => Instance(i).Stop()));
    }

    public Task SinkEnded(int index, int epoch)
    {
        if (_spec is null || epoch != _epoch || _state is not (QueryState.Running or QueryState.Deploying)) return Task.CompletedTask;
        if (++_sinksEnded == _spec.Sinks)
        {
            _state = QueryState.Completed;
            _ended = DateTimeOffset.UtcNow;
            RetireAll();
            _ = SaveAsync();
            _ = ForgetReminderAsync();
        }
        return Task.CompletedTask;
    }

    public Task Failed(string where, string error, int epoch)
    {
        Fail(where, error, epoch);
        return Task.CompletedTask;
    }

    public Task InstanceLost(int index, int epoch, string why)
    {
        if (_spec is not null && epoch == _epoch && _state == QueryState.Running && index < _spec.Instances.Length) Lost(index, why);
        return Task.CompletedTask;
    }

    /// <summary>Instance <paramref name="index"/> of the current incarnation was lost: a checkpointed query rolls back (once at a time), any other fails.</summary>
    private void Lost(int index, string why)
    {
        if (!_spec!.Checkpointed)
            Fail(_spec.Instances[index], $"operator instance {_spec.Instances[index]} was lost: {why}. Its silo probably died; operator state is not replicated, so the query stops instead of producing wrong results", _epoch);
        else if (_rollBack.IsCompleted)
            _rollBack = RollBackAsync(index, why);
    }

    public Task Acknowledge(int epoch, long checkpointId, int instance, byte[] state)
    {
        if (epoch == _epoch && _checkpoints is { } checkpoints) checkpoints.Acknowledge(checkpointId, instance, InstanceState.FromBytes(state));
        return Task.CompletedTask;
    }

    public Task Ended(int epoch, int instance, byte[] finalState, bool source)
    {
        if (epoch == _epoch && _checkpoints is { } checkpoints) checkpoints.Ended(instance, InstanceState.FromBytes(finalState), source);
        return Task.CompletedTask;
    }

    public Task Results(long count, string[] recent)
    {
        _outputs += count;
        foreach (var r in recent)
        {
            _recent.Enqueue(r);
            if (_recent.Count > KeptResults) _recent.Dequeue();
        }
        return Task.CompletedTask;
    }

    /// <summary>
    /// The coordinator's timer: passes a checkpoint the coordinator requested on to the sources (again
    /// every second while it is incomplete, in case a one-way request was lost), and probes every
    /// instance; a lost one rolls a checkpointed query back, and fails any other.
    /// </summary>
    private async Task WatchAsync(CancellationToken cancellationToken)
    {
        if (_spec is null || _state != QueryState.Running || _watching || !_rollBack.IsCompleted) return;
        _watching = true;
        try
        {
            if (_checkpoints is { } checkpoints) Announce(checkpoints);
            if (++_watches % ProbeEveryWatches != 0) return;
            var (lost, why) = await ProbeAsync(cancellationToken);
            if (lost >= 0 && _state == QueryState.Running && _rollBack.IsCompleted) Lost(lost, why!);
        }
        finally
        {
            _watching = false;
        }
    }

    private void Announce(CheckpointCoordinator checkpoints)
    {
        long requested = checkpoints.Requested;
        long now = System.Diagnostics.Stopwatch.GetTimestamp();
        bool again = requested > checkpoints.LastCompleted && System.Diagnostics.Stopwatch.GetElapsedTime(_announcedAt, now) >= AnnounceAgainAfter;
        if (requested <= _announced && !again) return;
        _announced = requested;
        _announcedAt = now;
        foreach (int source in _spec!.Sources) Instance(source).RequestCheckpoint(requested);
    }

    /// <summary>The first instance that does not answer or has lost its state, and why; -1 if none.</summary>
    private async Task<(int Lost, string? Why)> ProbeAsync(CancellationToken cancellationToken)
    {
        var timeout = _spec!.Checkpointed ? CheckpointedProbeTimeout : ProbeTimeout;
        var probes = Enumerable.Range(0, _spec.Instances.Length).Select(async i =>
        {
            try
            {
                return await Instance(i).Probe().WaitAsync(timeout, cancellationToken) ? null : "it was re-activated without its state";
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                return $"it does not answer ({ex.GetType().Name}: {ex.Message})";
            }
        }).ToArray();
        var answers = await Task.WhenAll(probes);
        int lost = Array.FindIndex(answers, a => a is not null);
        return (lost, lost < 0 ? null : answers[lost]);
    }

    /// <summary>
    /// Rolls the query back to its last completed checkpoint after instance <paramref name="lost"/>
    /// was lost: stops checkpointing, retires the current incarnation (waiting for its sources to stop
    /// reading), avoids the lost instance's silo, and starts the next incarnation, restored from the
    /// checkpoint, on the other silos; a start that fails (Orleans may not reach grains whose
    /// directory lived on the dead silo until its membership declares it dead) is retired and tried
    /// again with a new incarnation, for up to <see cref="CameoSiloOptions.RecoveryTimeout"/>; then the query fails.
    /// </summary>
    private async Task RollBackAsync(int lost, string why)
    {
        var spec = _spec!;
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        string what = lost >= 0 ? $"instance {spec.Instances[lost]}" : "the coordinator";
        QueryLog.RollingBack(logger, spec.Name, what, why);
        if (lost >= 0 && lost < _silos.Length) _suspects.Add(_silos[lost]);
        var deadline = started + (long)(silo.Options.RecoveryTimeout.TotalSeconds * System.Diagnostics.Stopwatch.Frequency);
        while (true)
        {
            await RetireIncarnationAsync();
            if (_state != QueryState.Running || _deactivated) return;
            _epoch++;
            _sinksEnded = 0;
            try
            {
                await SaveAsync(); // before any instance of the new incarnation starts
                await StartIncarnationAsync(await ActiveSilosAsync(), CallTimeout);
                break;
            }
            catch (Exception ex) when (_state == QueryState.Running && !_deactivated)
            {
                if (System.Diagnostics.Stopwatch.GetTimestamp() > deadline)
                {
                    Fail(lost >= 0 ? spec.Instances[lost] : "coordinator", $"{(lost >= 0 ? $"operator instance {spec.Instances[lost]} was lost" : "the query's coordinator was re-activated")} ({why}) and the query could not be rolled back onto the surviving silos within {silo.Options.RecoveryTimeout.TotalSeconds:0} s: {ex.Message}", _epoch);
                    return;
                }
                QueryLog.RollBackRetried(logger, spec.Name, _epoch, ex.Message);
                await Task.Delay(RetryRollBackAfter);
            }
        }
        _recoveries++;
        _lastRecoverySeconds = System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds;
        QueryLog.RolledBack(logger, spec.Name, _epoch, _checkpoints?.RestoredFrom ?? 0, _lastRecoverySeconds.Value);
        await SaveAsync();
    }

    /// <summary>Stops the current incarnation: no more checkpoints, every instance retired, its sources' reads ended.</summary>
    private async Task RetireIncarnationAsync()
    {
        var checkpoints = _checkpoints;
        _checkpoints = null;
        if (checkpoints is not null) _ = checkpoints.DisposeAsync().AsTask(); // a commit in flight may wait for a dead silo: not awaited
        var spec = _spec!;
        var sources = spec.Sources.ToHashSet();
        var quiesced = new List<Task>();
        for (int i = 0; i < spec.Instances.Length; i++)
        {
            if (sources.Contains(i)) quiesced.Add(Instance(i).Quiesce().WaitAsync(CallTimeout));
            else _ = Instance(i).Retire(); // one-way
        }
        try
        {
            await Task.WhenAll(quiesced);
        }
        catch (Exception)
        {
            // a source on the dead silo does not answer, and reads no more
        }
    }

    private void Fail(string where, string error, int epoch)
    {
        if (_spec is null || epoch != _epoch || _state is QueryState.Completed or QueryState.Failed) return;
        _state = QueryState.Failed;
        _ended = DateTimeOffset.UtcNow;
        // a re-activated instance only knows its grain key, {query key}/{index}: name it
        if (InstanceKeys.TryParse(where, out string query, out int index, out _) && query == _spec.Key && index < _spec.Instances.Length)
            where = _spec.Instances[index];
        _failedAt = where;
        _error = error;
        RetireAll();
        _ = SaveAsync();
        _ = ForgetReminderAsync();
    }

    /// <summary>
    /// Writes the record after any write in flight, as the coordinator stands when it is written. A
    /// write that fails is logged and returned; the next one writes the whole record again.
    /// </summary>
    private Task SaveAsync()
    {
        _saved = WriteAfter(_saved);
        return _saved;

        async Task WriteAfter(Task previous)
        {
            try
            {
                await previous;
            }
            catch (Exception)
            {
                // logged when it failed; this write carries everything it had
            }
            if (_deactivated) return;
            try
            {
                try
                {
                    await WriteAsync();
                }
                catch (InconsistentStateException)
                {
                    // an earlier activation wrote after this one read the record: it no longer runs the query
                    await record.ReadStateAsync();
                    await WriteAsync();
                }
            }
            catch (Exception ex)
            {
                QueryLog.RecordNotSaved(logger, _spec?.Name ?? this.GetPrimaryKeyString(), ex);
                throw;
            }
        }

        Task WriteAsync()
        {
            record.State = new QueryRecord
            {
                Spec = _spec,
                State = _state,
                Error = _error,
                FailedAt = _failedAt,
                Submitted = _submitted,
                Ended = _ended,
                Epoch = _epoch,
                Recoveries = _recoveries,
                LastRecoverySeconds = _lastRecoverySeconds,
                Outputs = _outputs,
            };
            return record.WriteStateAsync();
        }
    }

    private void RetireAll()
    {
        _watchdog?.Dispose();
        _watchdog = null;
        if (_checkpoints is { } checkpoints) _ = checkpoints.DisposeAsync().AsTask();
        _checkpoints = null;
        for (int i = 0; i < _spec!.Instances.Length; i++) Instance(i).Retire();
    }

    private QueryStatus Snapshot(int results)
    {
        string key = this.GetPrimaryKeyString();
        if (_spec is null)
            return new QueryStatus(key, "?", QueryState.Unknown,
                $"No query with key '{key}' is known: it was never deployed, or its coordinator's record was lost (in-memory query storage on a silo that died).", null, 0, [], [], RuntimeIdentity);
        return new QueryStatus(key, _spec.Name, _state, _error, _failedAt, _outputs, [.. _recent.Skip(_recent.Count - Math.Min(results, _recent.Count))], _placement, RuntimeIdentity,
            _submitted, _ended, _lastCheckpoint = Math.Max(_lastCheckpoint, _checkpoints?.LastCompleted ?? 0), _recoveries, _lastRecoverySeconds, _epoch);
    }

    private long _lastCheckpoint;

    private IInstanceGrain Instance(int index) => GrainFactory.GetGrain<IInstanceGrain>(InstanceKeys.Of(_spec!.Key, index, _epoch));
}

internal static partial class QueryLog
{
    [LoggerMessage(EventId = 40, Level = LogLevel.Warning, Message = "Query {Query}: {What} was lost ({Why}); rolling back to the last completed checkpoint")]
    public static partial void RollingBack(ILogger logger, string query, string what, string why);

    [LoggerMessage(EventId = 41, Level = LogLevel.Warning, Message = "Query {Query}: incarnation {Epoch} could not start ({Error}); trying again")]
    public static partial void RollBackRetried(ILogger logger, string query, int epoch, string error);

    [LoggerMessage(EventId = 42, Level = LogLevel.Warning, Message = "Query {Query}: incarnation {Epoch} resumed from checkpoint {Checkpoint} after {Seconds:0.000} s")]
    public static partial void RolledBack(ILogger logger, string query, int epoch, long checkpoint, double seconds);

    [LoggerMessage(EventId = 43, Level = LogLevel.Error, Message = "Query {Query}: its coordinator's record could not be saved")]
    public static partial void RecordNotSaved(ILogger logger, string query, Exception exception);

    [LoggerMessage(EventId = 44, Level = LogLevel.Warning, Message = "Query {Query}: its coordinator's reminder could not be removed")]
    public static partial void ReminderNotRemoved(ILogger logger, string query, Exception exception);
}

/// <summary>The cluster's list of queries, kept in grain storage (<see cref="CameoHosting.QueryStorage"/>) like the coordinators' records.</summary>
public sealed class QueryDirectoryGrain([PersistentState("queries", CameoHosting.QueryStorage)] IPersistentState<List<string>> keys) : Grain, IQueryDirectoryGrain
{
    public async Task Add(string key, string name)
    {
        keys.State.Add(key);
        await keys.WriteStateAsync();
    }

    public Task<string[]> List() => Task.FromResult(keys.State.ToArray());
}

/// <summary>What a query's coordinator keeps in grain storage, so that a later activation can report or resume the query (see <see cref="QueryGrain"/>).</summary>
[GenerateSerializer, Alias("cameo.query-record")]
public sealed class QueryRecord
{
    /// <summary>The query as deployed (planned); null before a deployment.</summary>
    [Id(0)] public QuerySpec? Spec { get; set; }

    [Id(1)] public QueryState State { get; set; }

    [Id(2)] public string? Error { get; set; }

    [Id(3)] public string? FailedAt { get; set; }

    [Id(4)] public DateTimeOffset? Submitted { get; set; }

    [Id(5)] public DateTimeOffset? Ended { get; set; }

    /// <summary>The newest incarnation: saved before any of its instances starts, so that a later activation retires it and never starts it again.</summary>
    [Id(6)] public int Epoch { get; set; }

    [Id(7)] public int Recoveries { get; set; }

    [Id(8)] public double? LastRecoverySeconds { get; set; }

    /// <summary>Results the sinks had reported when the record was written.</summary>
    [Id(9)] public long Outputs { get; set; }
}
