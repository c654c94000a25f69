namespace Cameo.Operators;

/// <summary>
/// A source reader whose read position can be saved in a checkpoint, so that after a crash the
/// query replays exactly the records that no completed checkpoint covers. The runtime reads
/// <see cref="Position"/> when it injects a checkpoint barrier after the last record returned by
/// <see cref="SourceReader{T}.ReadAsync"/>; called by one thread at a time, like the reader.
/// </summary>
public interface ICheckpointedReader
{
    /// <summary>The position just after the last record returned so far (opaque to the runtime).</summary>
    byte[] Position { get; }

    /// <summary>
    /// Continues after <paramref name="position"/>, a position saved by a completed checkpoint.
    /// Called at most once, before the first read.
    /// </summary>
    ValueTask RestoreAsync(byte[] position, CancellationToken cancellationToken);

    /// <summary>
    /// Every operator of the query has saved checkpoint <paramref name="checkpointId"/>, which holds
    /// <paramref name="position"/>: what was read before it is processed for good and may be released
    /// upstream (a broker acknowledged, a file truncated). Called in checkpoint order; may be called
    /// again for the same checkpoint after a crash, so it must be idempotent.
    /// </summary>
    ValueTask OnCheckpointCompletedAsync(long checkpointId, byte[] position, CancellationToken cancellationToken);
}

/// <summary>
/// A sink writer whose results become visible only when the checkpoint covering them completes,
/// which makes the query exactly-once end to end (two-phase commit driven by checkpoints).
/// </summary>
public interface ITransactionalWriter
{
    /// <summary>
    /// The barrier of checkpoint <paramref name="checkpointId"/> reached this writer: the results written
    /// since the previous barrier belong to it. Returns what the checkpoint must save to commit them
    /// after a crash (a pending file's name, a transaction id).
    /// </summary>
    byte[] PreCommit(long checkpointId);

    /// <summary>
    /// Checkpoint <paramref name="checkpointId"/> is complete: make its results visible. Idempotent: after
    /// a crash it is called again with the same id and state.
    /// </summary>
    ValueTask CommitAsync(long checkpointId, byte[] preCommitState, CancellationToken cancellationToken);

    /// <summary>
    /// The query restarts from checkpoint <paramref name="checkpointId"/> (null: from the beginning):
    /// commit that checkpoint's results if <paramref name="preCommitState"/> is given, and discard
    /// anything written after it. Called once, before the first write.
    /// </summary>
    ValueTask RecoverAsync(long? checkpointId, byte[]? preCommitState, CancellationToken cancellationToken);
}
