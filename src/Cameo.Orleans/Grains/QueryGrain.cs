using Cameo.Orleans.Deployment;
using Orleans.Runtime.Placement;

namespace Cameo.Orleans.Grains;

/// <summary>
/// A query's coordinator: places its instances over the active silos (one placement hint per
/// instance, round-robin), starts them, then its sources; collects sink ends, failures and results;
/// and probes its instances twice a second so that a dead silo fails the query instead of hanging it.
/// </summary>
/// <remarks>
/// The coordinator's own state is not replicated either: if its silo dies, a later status request
/// finds a fresh coordinator and answers <see cref="QueryState.Unknown"/>, which clients treat as failed.
/// </remarks>
public sealed class QueryGrain(QueryDefinitions definitions) : Grain, IQueryGrain
{
    private static readonly TimeSpan ProbeEvery = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(10);

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
    private IGrainTimer? _watchdog;
    private DateTimeOffset? _submitted, _ended;

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
        _spec = spec;
        _submitted = DateTimeOffset.UtcNow;
        _state = QueryState.Deploying;
        DelayDeactivation(TimeSpan.FromDays(1));
        await GrainFactory.GetGrain<IQueryDirectoryGrain>(0).Add(spec.Key, spec.Name);
        var silos = (await GrainFactory.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true)).Keys
            .OrderBy(s => s.ToString(), StringComparer.Ordinal).ToArray();
        try
        {
            var starts = new Task<string>[spec.Instances.Length];
            for (int i = 0; i < starts.Length; i++)
            {
                RequestContext.Set(IPlacementDirector.PlacementHintKey, silos[i % silos.Length]);
                starts[i] = Instance(i).Start(spec, i);
                RequestContext.Remove(IPlacementDirector.PlacementHintKey);
            }
            var placed = await Task.WhenAll(starts);
            _placement = [.. placed.Select((where, i) => $"{spec.Instances[i]} @ {where}")];
            if (_state == QueryState.Deploying) _state = QueryState.Running;
            await Task.WhenAll(spec.Sources.Select(i => Instance(i).Run()));
        }
        catch (Exception ex)
        {
            Fail("deployment", ex.Message);
        }
        if (_state == QueryState.Running)
            _watchdog = this.RegisterGrainTimer(WatchAsync, new GrainTimerCreationOptions(ProbeEvery, ProbeEvery) { Interleave = true });
        return Snapshot(DefaultResults);
    }

    public Task<QueryStatus> Status() => Task.FromResult(Snapshot(DefaultResults));

    public Task<QueryStatus> Status(int results) => Task.FromResult(Snapshot(Math.Clamp(results, 0, KeptResults)));

    public async Task Stop()
    {
        if (_spec is null || _state != QueryState.Running) return;
        await Task.WhenAll(_spec.Sources.Select(i => Instance(i).Stop()));
    }

    public Task SinkEnded(int index)
    {
        if (_spec is null || _state is not (QueryState.Running or QueryState.Deploying)) return Task.CompletedTask;
        if (++_sinksEnded == _spec.Sinks)
        {
            _state = QueryState.Completed;
            _ended = DateTimeOffset.UtcNow;
            RetireAll();
        }
        return Task.CompletedTask;
    }

    public Task Failed(string where, string error)
    {
        Fail(where, error);
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

    private async Task WatchAsync(CancellationToken cancellationToken)
    {
        if (_spec is null || _state != QueryState.Running) return;
        var probes = Enumerable.Range(0, _spec.Instances.Length).Select(async i =>
        {
            try
            {
                return await Instance(i).Probe().WaitAsync(ProbeTimeout, cancellationToken) ? null : "it was re-activated without its state";
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                return $"it does not answer ({ex.GetType().Name}: {ex.Message})";
            }
        }).ToArray();
        var answers = await Task.WhenAll(probes);
        int lost = Array.FindIndex(answers, a => a is not null);
        if (lost >= 0 && _state == QueryState.Running)
            Fail(_spec.Instances[lost], $"operator instance {_spec.Instances[lost]} was lost: {answers[lost]}. Its silo probably died; operator state is not replicated, so the query stops instead of producing wrong results");
    }

    private void Fail(string where, string error)
    {
        if (_spec is null || _state is QueryState.Completed or QueryState.Failed) return;
        _state = QueryState.Failed;
        _ended = DateTimeOffset.UtcNow;
        // a re-activated instance only knows its grain key, {query key}/{index}: name it
        if (where.StartsWith(_spec.Key + "/", StringComparison.Ordinal) && int.TryParse(where[(_spec.Key.Length + 1)..], out int index) && index < _spec.Instances.Length)
            where = _spec.Instances[index];
        _failedAt = where;
        _error = error;
        RetireAll();
    }

    private void RetireAll()
    {
        _watchdog?.Dispose();
        _watchdog = null;
        for (int i = 0; i < _spec!.Instances.Length; i++) Instance(i).Retire();
    }

    private QueryStatus Snapshot(int results)
    {
        string key = this.GetPrimaryKeyString();
        if (_spec is null)
            return new QueryStatus(key, "?", QueryState.Unknown,
                $"No query with key '{key}' is known: it was never deployed, or the silo holding its coordinator died.", null, 0, [], [], RuntimeIdentity);
        return new QueryStatus(key, _spec.Name, _state, _error, _failedAt, _outputs, [.. _recent.Skip(_recent.Count - Math.Min(results, _recent.Count))], _placement, RuntimeIdentity,
            _submitted, _ended);
    }

    private IInstanceGrain Instance(int index) => GrainFactory.GetGrain<IInstanceGrain>($"{_spec!.Key}/{index}");
}

/// <summary>The cluster's list of queries. Not replicated: if its silo dies, the list starts over.</summary>
public sealed class QueryDirectoryGrain : Grain, IQueryDirectoryGrain
{
    private readonly List<string> _keys = [];

    public Task Add(string key, string name)
    {
        _keys.Add(key);
        DelayDeactivation(TimeSpan.FromDays(1));
        return Task.CompletedTask;
    }

    public Task<string[]> List() => Task.FromResult(_keys.ToArray());
}
