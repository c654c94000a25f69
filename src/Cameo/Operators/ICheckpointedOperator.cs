using System.Text.Json;

namespace Cameo.Operators;

/// <summary>
/// An operator whose state can be saved in a checkpoint and restored after a crash. Every operator
/// that keeps state between calls (windows, join buffers, its watermark, counts of late records)
/// must implement it to run in a checkpointed engine; an operator that does not is taken as
/// stateless. The host calls <see cref="Snapshot"/> only between messages and when no window firing
/// is half-emitted, and <see cref="Restore"/> before the first record.
/// </summary>
public interface ICheckpointedOperator
{
    /// <summary>The operator's whole state. Values of the query's own types are serialized with <paramref name="serializer"/>.</summary>
    byte[] Snapshot(JsonSerializerOptions serializer);

    /// <summary>
    /// Captures the operator's state as it is now and returns what serializes that capture later,
    /// possibly on another thread while the operator goes on processing: the bytes it returns are
    /// those <see cref="Snapshot"/> would have returned at the capture, whatever the operator did
    /// since. The host calls it inside the instance's turn at a barrier and serializes off the
    /// workers, so the turn costs a copy of the state (or less), not its serialization. The default
    /// serializes at once (correct for any operator, but on the worker).
    /// </summary>
    Func<byte[]> Capture(JsonSerializerOptions serializer)
    {
        byte[] state = Snapshot(serializer);
        return () => state;
    }

    /// <summary>Replaces the operator's state with one <see cref="Snapshot"/> returned.</summary>
    void Restore(byte[] state, JsonSerializerOptions serializer);
}
