using Cameo.Operators;

namespace Cameo.Workloads.Chaos;

/// <summary>
/// Reads <paramref name="inner"/> until a record for which <paramref name="isEnd"/> holds (the
/// end-of-input marker, not passed on), then ends: a stream that a producer keeps appending to is
/// read to a known end. Checkpointed like the inner reader, plus whether the marker was read, so
/// that a query restored after the marker ends at once instead of waiting for more.
/// </summary>
public sealed class EndMarkerSource<T>(Source<T> inner, Func<T, bool> isEnd) : Source<T>
{
    public override string Description => $"{inner.Description} up to its end marker";

    /// <summary>One instance: the marker is one entry, read by one reader.</summary>
    public override int MaxParallelism => 1;

    public override SourceReader<T> Open(int instance, int parallelism, SourceContext context)
    {
        var reader = inner.Open(instance, parallelism, context);
        if (reader is not ICheckpointedReader checkpointed)
            throw new InvalidOperationException($"{inner.Description}: its reader keeps no position, so it cannot be read up to an end marker across restarts.");
        return new Reader(reader, checkpointed, isEnd);
    }

    private sealed class Reader(SourceReader<T> reader, ICheckpointedReader position, Func<T, bool> isEnd) : SourceReader<T>, ICheckpointedReader
    {
        private bool _ended;

        public override bool StampsArrival => reader.StampsArrival;

        public override async ValueTask<SourceRead> ReadAsync(T[] items, long[] arrivals, long now, CancellationToken cancellationToken)
        {
            if (_ended) return new SourceRead(0, true);
            var read = await reader.ReadAsync(items, arrivals, now, cancellationToken).ConfigureAwait(false);
            for (int i = 0; i < read.Count; i++)
            {
                if (!isEnd(items[i])) continue;
                _ended = true;
                return new SourceRead(i, i == 0);
            }
            return read;
        }

        /// <summary>A byte saying whether the marker was read, then the inner reader's position.</summary>
        public byte[] Position => [(byte)(_ended ? 1 : 0), .. position.Position];

        public ValueTask RestoreAsync(byte[] saved, CancellationToken cancellationToken)
        {
            if (saved.Length == 0) return ValueTask.CompletedTask;
            _ended = saved[0] == 1;
            return position.RestoreAsync(saved[1..], cancellationToken);
        }

        public ValueTask OnCheckpointCompletedAsync(long checkpointId, byte[] saved, CancellationToken cancellationToken) =>
            saved.Length == 0 ? ValueTask.CompletedTask : position.OnCheckpointCompletedAsync(checkpointId, saved[1..], cancellationToken);

        public override ValueTask DisposeAsync() => reader.DisposeAsync();
    }
}
