namespace Cameo.Checkpoints;

/// <summary>
/// One operator instance's part of a checkpoint as its turn captured it, with the operator's state
/// not serialized yet: <see cref="Operator"/> serializes the copy the operator took at the barrier,
/// so it can run on another thread while the operator goes on changing its live state.
/// </summary>
/// <param name="Host">What the host keeps, serialized (small).</param>
/// <param name="Operator">Serializes the operator's captured state; null if the instance has no operator state.</param>
/// <param name="SourcePosition">A source's read position, or null.</param>
/// <param name="SinkPreCommit">A transactional sink's pre-commit state, or null.</param>
public sealed record CapturedState(byte[]? Host, Func<byte[]>? Operator, byte[]? SourcePosition, byte[]? SinkPreCommit)
{
    /// <summary>The state with the operator's part serialized (on the calling thread).</summary>
    public InstanceState Serialize() => new(Host, Operator?.Invoke(), SourcePosition, SinkPreCommit);

    /// <summary>A state already serialized, as a capture.</summary>
    public static CapturedState Of(InstanceState state)
    {
        var op = state.Operator;
        return new(state.Host, op is null ? null : () => op, state.SourcePosition, state.SinkPreCommit);
    }
}
