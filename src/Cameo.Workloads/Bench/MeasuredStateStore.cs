using System.Collections.Concurrent;
using System.Diagnostics;
using Cameo.Checkpoints;

namespace Cameo.Workloads.Bench;

/// <summary>What the checkpoints of a run cost: how many completed, how long each took, how large each was.</summary>
/// <param name="Completed">Checkpoints completed (every query's count together).</param>
/// <param name="DurationP50Ms">Median duration: from the first part written (the sources save their positions as they inject the barrier) to the checkpoint recorded complete.</param>
/// <param name="DurationMaxMs">Longest duration.</param>
/// <param name="SizeP50Bytes">Median size of one query's checkpoint (every instance's part).</param>
/// <param name="SizeMaxBytes">Largest size.</param>
public sealed record CheckpointStats(int Completed, double DurationP50Ms, double DurationMaxMs, double SizeP50Bytes, long SizeMaxBytes)
{
    /// <summary>The median of each median and the largest maximum over <paramref name="runs"/>; null without any checkpoint.</summary>
    public static CheckpointStats? Combine(IEnumerable<CheckpointStats?> runs)
    {
        var measured = runs.OfType<CheckpointStats>().Where(s => s.Completed > 0).ToList();
        return measured.Count == 0 ? null : new(
            (int)BenchSummary.Median(measured.Select(s => (double)s.Completed)),
            BenchSummary.Median(measured.Select(s => s.DurationP50Ms)), measured.Max(s => s.DurationMaxMs),
            BenchSummary.Median(measured.Select(s => s.SizeP50Bytes)), measured.Max(s => s.SizeMaxBytes));
    }
}

/// <summary>
/// A state store that measures the checkpoints going through it into <paramref name="inner"/>:
/// their sizes and durations (see <see cref="CheckpointStats"/>), for the benchmark's checkpointed runs.
/// </summary>
public sealed class MeasuredStateStore(IStateStore inner) : IStateStore
{
    private sealed class Entry
    {
        public long FirstWrite = long.MaxValue;
        public long Bytes;
    }

    private readonly ConcurrentDictionary<(string Query, long Id), Entry> _pending = new();
    private readonly ConcurrentQueue<(double Ms, long Bytes)> _completed = new();

    public Task WriteAsync(string query, long checkpointId, int instance, ReadOnlyMemory<byte> state, CancellationToken cancellationToken)
    {
        var entry = _pending.GetOrAdd((query, checkpointId), _ => new Entry());
        long now = Stopwatch.GetTimestamp();
        lock (entry)
        {
            entry.FirstWrite = Math.Min(entry.FirstWrite, now);
            entry.Bytes += state.Length;
        }
        return inner.WriteAsync(query, checkpointId, instance, state, cancellationToken);
    }

    public async Task CompleteAsync(string query, long checkpointId, ReadOnlyMemory<byte> metadata, int keep, CancellationToken cancellationToken)
    {
        await inner.CompleteAsync(query, checkpointId, metadata, keep, cancellationToken).ConfigureAwait(false);
        if (_pending.TryRemove((query, checkpointId), out var entry))
            lock (entry) _completed.Enqueue((Stopwatch.GetElapsedTime(entry.FirstWrite).TotalMilliseconds, entry.Bytes));
    }

    public Task<IReadOnlyList<long>> CompletedAsync(string query, CancellationToken cancellationToken) => inner.CompletedAsync(query, cancellationToken);

    public Task<byte[]> ReadMetadataAsync(string query, long checkpointId, CancellationToken cancellationToken) => inner.ReadMetadataAsync(query, checkpointId, cancellationToken);

    public Task<byte[]> ReadAsync(string query, long checkpointId, int instance, CancellationToken cancellationToken) => inner.ReadAsync(query, checkpointId, instance, cancellationToken);

    /// <summary>The checkpoints completed so far.</summary>
    public CheckpointStats Stats()
    {
        var done = _completed.ToArray();
        return done.Length == 0 ? new(0, 0, 0, 0, 0) : new(
            done.Length,
            Math.Round(BenchSummary.Median(done.Select(d => d.Ms)), 3), Math.Round(done.Max(d => d.Ms), 3),
            BenchSummary.Median(done.Select(d => (double)d.Bytes)), done.Max(d => d.Bytes));
    }
}
