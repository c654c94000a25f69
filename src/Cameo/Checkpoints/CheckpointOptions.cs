using System.Text.Json;

namespace Cameo.Checkpoints;

/// <summary>
/// Turns on consistent checkpoints for every query of an engine (<see cref="EngineOptions.Checkpoints"/>):
/// sources inject a barrier every <see cref="Interval"/>, each operator instance saves its state to
/// <see cref="Store"/> when the barrier has passed it, and an engine started on the same store resumes
/// each query (matched by name) from its last completed checkpoint.
/// </summary>
public sealed class CheckpointOptions
{
    /// <summary>Where checkpoints are kept: a <see cref="DirectoryStateStore"/>, or a shared store for clusters.</summary>
    public required IStateStore Store { get; init; }

    /// <summary>Time between the end of one checkpoint and the start of the next. Default 5 s.</summary>
    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Completed checkpoints kept per query (older ones are pruned); at least 1. Default 3.</summary>
    public int Keep { get; init; } = 3;

    /// <summary>
    /// How operator state of the query's own types (window accumulators, keys, joined records) is
    /// serialized: those types must round-trip through System.Text.Json with these options. The
    /// default includes fields, so value tuples round-trip.
    /// </summary>
    public JsonSerializerOptions Serializer { get; init; } = DefaultSerializer;

    /// <summary>System.Text.Json's defaults with public fields included.</summary>
    public static readonly JsonSerializerOptions DefaultSerializer = new(JsonSerializerDefaults.General) { IncludeFields = true };

    internal void Validate()
    {
        ArgumentNullException.ThrowIfNull(Store);
        ArgumentNullException.ThrowIfNull(Serializer);
        if (Interval <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(Interval), Interval, "The checkpoint interval must be positive.");
        if (Keep < 1) throw new ArgumentOutOfRangeException(nameof(Keep), Keep, "At least one completed checkpoint must be kept.");
    }
}
