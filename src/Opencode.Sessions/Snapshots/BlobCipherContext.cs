using System.Buffers.Binary;
using System.Text;

namespace Opencode.Sessions.Snapshots;

/// <summary>
/// What a snapshot blob belongs to. An <see cref="IBlobCipher"/> authenticates it together with the data, so a blob
/// moved to another process id, another snapshot or the other role fails to decrypt.
/// </summary>
/// <param name="ProcessId">The process id the snapshot belongs to.</param>
/// <param name="SnapshotId">The id of the snapshot (<see cref="SnapshotDraft.SnapshotId"/>, later <see cref="SnapshotRecord.SnapshotId"/>).</param>
/// <param name="Role">Which blob of the snapshot this is.</param>
public sealed record BlobCipherContext(string ProcessId, string SnapshotId, SnapshotBlobRole Role)
{
    /// <summary>
    /// Gets an unambiguous byte encoding of the context for use as associated data: a fixed label, then each id as a
    /// 4-byte big-endian length and its UTF-8 bytes, then the role as one byte.
    /// </summary>
    /// <returns>The encoded context.</returns>
    /// <exception cref="ArgumentException">An id is empty or the role is undefined.</exception>
    public byte[] ToAssociatedData()
    {
        ArgumentException.ThrowIfNullOrEmpty(ProcessId);
        ArgumentException.ThrowIfNullOrEmpty(SnapshotId);
        if (!Enum.IsDefined(Role))
        {
            throw new ArgumentException($"Unknown snapshot blob role {(int)Role}.", nameof(Role));
        }

        var label = "Opencode.Sessions snapshot blob"u8;
        var process = Encoding.UTF8.GetBytes(ProcessId);
        var snapshot = Encoding.UTF8.GetBytes(SnapshotId);
        var data = new byte[label.Length + 4 + process.Length + 4 + snapshot.Length + 1];
        var span = data.AsSpan();
        label.CopyTo(span);
        span = span[label.Length..];
        BinaryPrimitives.WriteInt32BigEndian(span, process.Length);
        process.CopyTo(span[4..]);
        span = span[(4 + process.Length)..];
        BinaryPrimitives.WriteInt32BigEndian(span, snapshot.Length);
        snapshot.CopyTo(span[4..]);
        span[4 + snapshot.Length] = (byte)Role;
        return data;
    }
}
