using System.Diagnostics;
using Cameo.Runtime;

namespace Cameo.Monitoring;

/// <summary>
/// A <see cref="IDashboardSource"/> for an embedded <see cref="CameoEngine"/>: its queries'
/// <see cref="QueryHandle.Stats"/>, and each worker's utilization since the previous snapshot
/// (on the embedded runtime; other runtimes show one row with the runtime's utilization since start).
/// </summary>
public sealed class EngineDashboardSource(CameoEngine engine) : IDashboardSource
{
    private TimeSpan[] _busy = [];
    private long _at;

    public ValueTask<DashboardSnapshot> SnapshotAsync(CancellationToken cancellationToken = default)
    {
        string policy = engine.Policy.Name;
        var queries = engine.Queries.Select(q => QueryPanel.From(q.Stats, policy, StateOf(q), q.QueuedMessages)).ToList();
        return ValueTask.FromResult(new DashboardSnapshot(DateTimeOffset.UtcNow, $"{engine.Runtime.Name} engine, {engine.Workers} worker(s)", engine.Runtime.Name, policy,
            queries, Workers(), queries.Any(p => p.QueueDepth is null) ? $"the {engine.Runtime.Name} runtime does not report it" : null));
    }

    private static string StateOf(QueryHandle q) =>
        q.Completion.IsFaulted ? "failed" : q.Completion.IsCompleted ? "completed" : "running";

    private WorkerLoad[] Workers()
    {
        if (engine.Runtime is not EmbeddedRuntime embedded)
            return [new WorkerLoad($"{engine.Runtime.Name} ({engine.Workers} workers, since start)", engine.Utilization)];
        long now = Stopwatch.GetTimestamp();
        var busy = new TimeSpan[embedded.Workers];
        for (int i = 0; i < busy.Length; i++) busy[i] = embedded.WorkerBusyTime(i);
        var elapsed = Stopwatch.GetElapsedTime(_at, now);
        var loads = new WorkerLoad[busy.Length];
        for (int i = 0; i < busy.Length; i++)
        {
            // A metrics reset (end of a warm-up) restarts the busy times: that interval counts from zero.
            var spent = i < _busy.Length && busy[i] >= _busy[i] ? busy[i] - _busy[i] : busy[i];
            loads[i] = new WorkerLoad($"worker {i}", _at == 0 || elapsed <= TimeSpan.Zero ? 0 : Math.Clamp(spent / elapsed, 0, 1));
        }
        (_busy, _at) = (busy, now);
        return loads;
    }
}
