using System.Text.Json;
using System.Threading.Channels;

namespace Cameo.Operators;

/// <summary>Where a query's results go. Subclass to add a connector.</summary>
public abstract class Sink<T>
{
    public abstract string Description { get; }

    /// <summary>Opens the writer of sink instance <paramref name="instance"/>.</summary>
    public abstract SinkWriter<T> Open(int instance);
}

/// <summary>Writes results. Called by one thread at a time; must not block for long.</summary>
public abstract class SinkWriter<T>
{
    public abstract void Write(ReadOnlySpan<T> items, ReadOnlySpan<long> timestamps);

    /// <summary>
    /// Writes results whose earliest input arrived at physical time <paramref name="arrival"/>
    /// (ticks); a writer that passes records on to another query keeps it. By default <see cref="Write(ReadOnlySpan{T}, ReadOnlySpan{long})"/>.
    /// </summary>
    public virtual void Write(ReadOnlySpan<T> items, ReadOnlySpan<long> timestamps, long arrival) => Write(items, timestamps);

    /// <summary>The query has ended; flush and close.</summary>
    public virtual void Complete() { }

    /// <summary>
    /// The query failed, or did not drain in time: no more results will come. Close without
    /// waiting for them; by default what was written is flushed (<see cref="Complete"/>).
    /// </summary>
    public virtual void Abort(Exception error) => Complete();
}

/// <summary>Calls a delegate for each result.</summary>
public sealed class CallbackSink<T>(Action<T> action) : Sink<T>
{
    public override string Description => "callback";

    public override SinkWriter<T> Open(int instance) => new Writer(action);

    private sealed class Writer(Action<T> action) : SinkWriter<T>
    {
        public override void Write(ReadOnlySpan<T> items, ReadOnlySpan<long> timestamps)
        {
            foreach (var item in items) action(item);
        }
    }
}

/// <summary>Writes results to a channel, and completes it when the query ends (with the query's error if it fails).</summary>
public sealed class ChannelSink<T>(ChannelWriter<T> writer) : Sink<T>
{
    private int _open;

    public override string Description => "channel";

    public override SinkWriter<T> Open(int instance)
    {
        Interlocked.Increment(ref _open);
        return new Writer(this, writer);
    }

    private sealed class Writer(ChannelSink<T> owner, ChannelWriter<T> writer) : SinkWriter<T>
    {
        public override void Write(ReadOnlySpan<T> items, ReadOnlySpan<long> timestamps)
        {
            foreach (var item in items)
                if (!writer.TryWrite(item))
                    throw new InvalidOperationException("The sink's channel refused a result: it is completed or bounded and full. Use an unbounded channel.");
        }

        public override void Complete()
        {
            if (Interlocked.Decrement(ref owner._open) == 0) writer.TryComplete();
        }

        /// <summary>Completes the channel with the error at once: its reader sees the failure instead of waiting for the other instances.</summary>
        public override void Abort(Exception error) => writer.TryComplete(error);
    }
}

/// <summary>
/// Writes results to a JSON-lines file, one JSON object per line (sink instance <c>i &gt; 0</c> writes
/// <c>path.i</c>). Without checkpoints it writes straight into the file. In a checkpointed query it is
/// exactly-once (<see cref="ITransactionalWriter"/>): results go to a pending file, which each barrier
/// closes as that checkpoint's (<c>path.ckpt-N.pending</c>) and which is appended to the file when the
/// checkpoint completes; a recovered query truncates the file to what its checkpoint committed and
/// deletes every pending file, so the file never holds a result twice or one that a replay produces again. Flushed and closed
/// when the query ends, fails or is abandoned.
/// </summary>
public sealed class JsonLinesSink<T>(string path, JsonSerializerOptions? options) : Sink<T>
{
    public override string Description => $"JSON-lines file '{path}'";

    public override SinkWriter<T> Open(int instance) => new Writer(instance == 0 ? path : $"{path}.{instance}", options);

    private sealed class Writer(string file, JsonSerializerOptions? options) : SinkWriter<T>, ITransactionalWriter
    {
        /// <summary>The pre-commit of what is still pending when the query ends: committed at once.</summary>
        private const long FinalCommit = long.MaxValue;

        private readonly Lock _lock = new();
        private readonly List<(long Id, byte[] State)> _uncommitted = [];
        private StreamWriter? _out;  // the file itself, or (transactional) the open pending file
        private bool _transactional;
        private long _preCommitted;  // the file's length once every pre-committed checkpoint is committed

        private string OpenPending => $"{file}.pending";

        private string Pending(long checkpointId) => $"{file}.ckpt-{checkpointId}.pending";

        public override void Write(ReadOnlySpan<T> items, ReadOnlySpan<long> timestamps)
        {
            _out ??= new StreamWriter(_transactional ? OpenPending : file, append: false);
            foreach (var item in items) _out.WriteLine(JsonSerializer.Serialize(item, options));
        }

        public override void Complete()
        {
            if (!_transactional)
            {
                (_out ??= new StreamWriter(file, append: false)).Dispose();
                return;
            }
            lock (_lock)
            {
                foreach (var (id, state) in _uncommitted.ToArray()) Commit(id, state);
                Commit(FinalCommit, PreCommit(FinalCommit));
            }
        }

        /// <summary>
        /// The query failed: a plain file is flushed and closed; a transactional one commits nothing
        /// that no completed checkpoint covers (recovery replays it and deletes the pending files).
        /// </summary>
        public override void Abort(Exception error)
        {
            if (!_transactional)
            {
                Complete();
                return;
            }
            lock (_lock)
            {
                _out?.Dispose();
                _out = null;
            }
        }

        public byte[] PreCommit(long checkpointId)
        {
            lock (_lock)
            {
                long length = 0;
                if (_out is not null)
                {
                    _out.Flush();
                    length = _out.BaseStream.Length;
                    _out.Dispose();
                    _out = null;
                    File.Move(OpenPending, Pending(checkpointId), overwrite: true);
                }
                var state = SourcePosition.Of(_preCommitted, _preCommitted + length);
                _preCommitted += length;
                _uncommitted.Add((checkpointId, state));
                return state;
            }
        }

        public ValueTask CommitAsync(long checkpointId, byte[] preCommitState, CancellationToken cancellationToken)
        {
            lock (_lock) Commit(checkpointId, preCommitState);
            return ValueTask.CompletedTask;
        }

        public ValueTask RecoverAsync(long? checkpointId, byte[]? preCommitState, CancellationToken cancellationToken)
        {
            lock (_lock)
            {
                _transactional = true;
                if (checkpointId is { } id && preCommitState is not null) Commit(id, preCommitState);
                long committed = preCommitState is null ? 0 : SourcePosition.Read(preCommitState, 1);
                using (var target = new FileStream(file, FileMode.OpenOrCreate, FileAccess.Write)) target.SetLength(Math.Min(committed, target.Length));
                string directory = Path.GetDirectoryName(Path.GetFullPath(file))!;
                foreach (string pending in Directory.EnumerateFiles(directory, $"{Path.GetFileName(file)}.ckpt-*.pending")) File.Delete(pending);
                File.Delete(OpenPending);
                _preCommitted = committed;
                _uncommitted.Clear();
            }
            return ValueTask.CompletedTask;
        }

        /// <summary>
        /// Appends checkpoint <paramref name="checkpointId"/>'s pending file to the file, unless the file
        /// already holds it (idempotent: a commit repeated after a crash, or after the end committed all).
        /// A commit torn by a crash is cut back and appended again.
        /// </summary>
        private void Commit(long checkpointId, byte[] state)
        {
            long before = SourcePosition.Read(state, 0), after = SourcePosition.Read(state, 1);
            string pending = Pending(checkpointId);
            using (var target = new FileStream(file, FileMode.OpenOrCreate, FileAccess.Write))
            {
                if (target.Length < after)
                {
                    if (target.Length < before)
                        throw new InvalidOperationException($"'{file}' holds {target.Length} bytes, fewer than the {before} committed before checkpoint {checkpointId}: a commit is missing.");
                    target.SetLength(before);
                    target.Position = before;
                    if (after > before)
                    {
                        using var source = new FileStream(pending, FileMode.Open, FileAccess.Read);
                        source.CopyTo(target);
                    }
                    target.Flush(flushToDisk: true);
                }
            }
            File.Delete(pending);
            _uncommitted.RemoveAll(c => c.Id <= checkpointId);
        }
    }
}
