using Cameo.Operators;
using Cameo.Orleans.Grains;

namespace Cameo.Orleans.Checkpoints;

/// <summary>
/// A source instance's reader as the coordinator grain's <see cref="Cameo.Checkpoints.CheckpointCoordinator"/>
/// sees it: a completed checkpoint is passed to the instance grain, whose reader acknowledges its
/// input there. The coordinator never reads or repositions it (the instance does, on restore).
/// </summary>
internal sealed class RemoteReader(IInstanceGrain instance) : ICheckpointedReader
{
    public byte[] Position => throw new NotSupportedException("The coordinator does not read a remote source's position.");

    public ValueTask RestoreAsync(byte[] position, CancellationToken cancellationToken) =>
        throw new NotSupportedException("A remote source restores itself when its instance grain is restored.");

    public ValueTask OnCheckpointCompletedAsync(long checkpointId, byte[] position, CancellationToken cancellationToken) =>
        new(instance.CheckpointCompleted(checkpointId, position).WaitAsync(cancellationToken));
}

/// <summary>
/// A sink instance's writer as the coordinator grain's <see cref="Cameo.Checkpoints.CheckpointCoordinator"/>
/// sees it: recovery and commits are passed to the instance grain, whose transactional writer (if it
/// has one) carries them out. Pre-commits happen in the instance, at its barrier.
/// </summary>
internal sealed class RemoteWriter(IInstanceGrain instance) : ITransactionalWriter
{
    public byte[] PreCommit(long checkpointId) => throw new NotSupportedException("A remote sink pre-commits in its instance grain.");

    public ValueTask CommitAsync(long checkpointId, byte[] preCommitState, CancellationToken cancellationToken) =>
        new(instance.Commit(checkpointId, preCommitState).WaitAsync(cancellationToken));

    public ValueTask RecoverAsync(long? checkpointId, byte[]? preCommitState, CancellationToken cancellationToken) =>
        new(instance.RecoverSink(checkpointId, preCommitState).WaitAsync(cancellationToken));
}
