using Cameo.Operators;

namespace Cameo.Checkpoints;

/// <summary>
/// What the instances of one query need of its checkpoint coordinator, whichever runtime hosts them
/// (the embedded runtime calls <see cref="CheckpointCoordinator"/> directly; a distributed runtime
/// would put a remote proxy here): which checkpoint the sources must inject, where to acknowledge a
/// saved state, and what the recovered checkpoint holds for each instance.
/// </summary>
public interface ICheckpointCoordinator
{
    /// <summary>The newest checkpoint the sources must inject a barrier for (0 before the first).</summary>
    long Requested { get; }

    /// <summary>
    /// The newest checkpoint stored when the query started: a source starts injecting barriers after
    /// it (a checkpoint requested before the source's reader was open still needs its barrier).
    /// </summary>
    long StartedAfter { get; }

    /// <summary>How instances serialize operator state of the query's own types.</summary>
    System.Text.Json.JsonSerializerOptions Serializer { get; }

    /// <summary>Instance <paramref name="instance"/> saved its part of checkpoint <paramref name="checkpointId"/>.</summary>
    void Acknowledge(long checkpointId, int instance, InstanceState state);

    /// <summary>
    /// Instance <paramref name="instance"/> captured its part of checkpoint <paramref name="checkpointId"/>
    /// with the operator's state still to be serialized: the part counts as acknowledged once it is
    /// serialized and stored. A coordinator may serialize it off the caller's thread; the default
    /// serializes it on the caller's thread and calls <see cref="Acknowledge(long, int, InstanceState)"/>.
    /// </summary>
    void Acknowledge(long checkpointId, int instance, CapturedState state) => Acknowledge(checkpointId, instance, state.Serialize());

    /// <summary>Instance <paramref name="instance"/>'s part of the checkpoint the query resumes from, or null.</summary>
    InstanceState? Restored(int instance);

    /// <summary>A source instance's reader, told of each completed checkpoint.</summary>
    void Register(int instance, ICheckpointedReader reader);

    /// <summary>A sink instance's transactional writer: recovered before the query starts, committed at each completed checkpoint.</summary>
    void Register(int instance, ITransactionalWriter writer);

    /// <summary>
    /// An instance has sent the end of its output downstream (a source read its input to the end;
    /// any other instance saw the end of every input): it takes part in no more barriers, and
    /// <paramref name="finalState"/> stands for it in every checkpoint from now on.
    /// </summary>
    /// <param name="instance">The instance.</param>
    /// <param name="finalState">Its state at its end.</param>
    /// <param name="source">True for a source instance: once every source has ended, no checkpoint is started.</param>
    void Ended(int instance, InstanceState finalState, bool source);
}
