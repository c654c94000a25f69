namespace Cameo.Checkpoints;

/// <summary>
/// Where checkpoints live. Each operator instance writes its part of a checkpoint; the checkpoint
/// exists only once <see cref="CompleteAsync"/> recorded it, atomically, after every part was written.
/// Implementations seal what they store with a checksum (<see cref="StateSeal"/>) and throw
/// <see cref="CorruptCheckpointException"/> when a read does not match it. Thread-safe.
/// </summary>
public interface IStateStore
{
    /// <summary>Saves instance <paramref name="instance"/>'s part of checkpoint <paramref name="checkpointId"/> (replacing any earlier attempt).</summary>
    Task WriteAsync(string query, long checkpointId, int instance, ReadOnlyMemory<byte> state, CancellationToken cancellationToken);

    /// <summary>
    /// Records checkpoint <paramref name="checkpointId"/> as complete with its <paramref name="metadata"/>, atomically;
    /// then removes every checkpoint but the newest <paramref name="keep"/> completed ones (and incomplete ones older than it).
    /// </summary>
    Task CompleteAsync(string query, long checkpointId, ReadOnlyMemory<byte> metadata, int keep, CancellationToken cancellationToken);

    /// <summary>The completed checkpoints of <paramref name="query"/>, newest first.</summary>
    Task<IReadOnlyList<long>> CompletedAsync(string query, CancellationToken cancellationToken);

    /// <summary>The metadata of a completed checkpoint.</summary>
    /// <exception cref="CorruptCheckpointException">It is missing or does not match its checksum.</exception>
    Task<byte[]> ReadMetadataAsync(string query, long checkpointId, CancellationToken cancellationToken);

    /// <summary>Instance <paramref name="instance"/>'s part of a checkpoint.</summary>
    /// <exception cref="CorruptCheckpointException">It is missing or does not match its checksum.</exception>
    Task<byte[]> ReadAsync(string query, long checkpointId, int instance, CancellationToken cancellationToken);
}

/// <summary>A stored checkpoint is missing a part or does not match its checksum.</summary>
public sealed class CorruptCheckpointException(string message) : Exception(message);
