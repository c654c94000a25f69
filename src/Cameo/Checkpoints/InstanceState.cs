namespace Cameo.Checkpoints;

/// <summary>
/// One operator instance's part of a checkpoint: what its host keeps (input progress, watermarks,
/// profiled costs, a source's progress and arrival forecast), its operator's state, a source's
/// read position, a transactional sink's pre-commit state. Each part is opaque bytes, null if absent.
/// </summary>
public sealed record InstanceState(byte[]? Host, byte[]? Operator, byte[]? SourcePosition, byte[]? SinkPreCommit)
{
    /// <summary>The state as one blob: each part length-prefixed (-1 for absent).</summary>
    public byte[] ToBytes()
    {
        using var buffer = new MemoryStream();
        using (var writer = new BinaryWriter(buffer))
            foreach (var part in (byte[]?[])[Host, Operator, SourcePosition, SinkPreCommit])
            {
                writer.Write(part?.Length ?? -1);
                if (part is not null) writer.Write(part);
            }
        return buffer.ToArray();
    }

    /// <summary>The state <see cref="ToBytes"/> wrote.</summary>
    public static InstanceState FromBytes(byte[] bytes)
    {
        using var reader = new BinaryReader(new MemoryStream(bytes));
        byte[]? Part()
        {
            int length = reader.ReadInt32();
            return length < 0 ? null : reader.ReadBytes(length);
        }
        return new InstanceState(Part(), Part(), Part(), Part());
    }
}
