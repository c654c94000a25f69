namespace Cameo.Scheduling.Core;

/// <summary>
/// Something that waits in a <see cref="ReadyQueue{T}"/>: an operator instance with messages, or a
/// request for a turn. Each time it is queued again (because its rank changed) it takes a new
/// version; queue entries carrying an older version are stale and skipped when they surface.
/// </summary>
public interface IReadyItem
{
    /// <summary>The version of the item's current queue entry. Reads must see the latest write (volatile).</summary>
    long ReadyVersion { get; }
}
