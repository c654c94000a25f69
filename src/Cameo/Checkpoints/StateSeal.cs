using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Cameo.Checkpoints;

/// <summary>
/// The frame every state store puts around what it keeps: a magic number, the payload's length and
/// its SHA-256, then the payload; <see cref="Open"/> refuses anything torn or altered.
/// </summary>
public static class StateSeal
{
    private const uint Magic = 0x43_4B_50_31; // "CKP1"
    private const int HeaderLength = 4 + 8 + 32;

    /// <summary>The sealed form of <paramref name="payload"/>.</summary>
    public static byte[] Seal(ReadOnlySpan<byte> payload)
    {
        var sealedBytes = new byte[HeaderLength + payload.Length];
        BinaryPrimitives.WriteUInt32LittleEndian(sealedBytes, Magic);
        BinaryPrimitives.WriteInt64LittleEndian(sealedBytes.AsSpan(4), payload.Length);
        SHA256.HashData(payload, sealedBytes.AsSpan(12, 32));
        payload.CopyTo(sealedBytes.AsSpan(HeaderLength));
        return sealedBytes;
    }

    /// <summary>The payload of <paramref name="sealedBytes"/>, checked against its length and checksum.</summary>
    /// <param name="sealedBytes">What <see cref="Seal"/> returned.</param>
    /// <param name="what">Names the stored item in the error.</param>
    /// <exception cref="CorruptCheckpointException">The frame is torn or its checksum does not match.</exception>
    public static byte[] Open(ReadOnlySpan<byte> sealedBytes, string what)
    {
        if (sealedBytes.Length < HeaderLength || BinaryPrimitives.ReadUInt32LittleEndian(sealedBytes) != Magic)
            throw new CorruptCheckpointException($"{what} is not a sealed checkpoint file (torn or foreign).");
        long length = BinaryPrimitives.ReadInt64LittleEndian(sealedBytes[4..]);
        if (length != sealedBytes.Length - HeaderLength)
            throw new CorruptCheckpointException($"{what} holds {sealedBytes.Length - HeaderLength} bytes of state, its header says {length} (torn).");
        var payload = sealedBytes[HeaderLength..];
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(payload, hash);
        if (!hash.SequenceEqual(sealedBytes.Slice(12, 32)))
            throw new CorruptCheckpointException($"{what} does not match its checksum (corrupted).");
        return payload.ToArray();
    }
}
