using System.Buffers;

namespace Opencode.Sessions.Workdir;

/// <summary>Copies a stream into a new file, leaving runs of zero blocks as holes, so a sparse file is restored sparse.</summary>
internal static class SparseFileCopy
{
    private const int BlockSize = 64 * 1024;

    /// <summary>Copies <paramref name="source"/> to its end into <paramref name="file"/> (positioned at 0, empty).</summary>
    /// <param name="source">The data.</param>
    /// <param name="file">The new, seekable file.</param>
    /// <param name="cancellationToken">A token to cancel the copy.</param>
    /// <returns>The number of bytes the file holds.</returns>
    public static async Task<long> CopyAsync(Stream source, FileStream file, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(BlockSize);
        try
        {
            long length = 0;
            var hole = false;
            while (true)
            {
                var filled = 0;
                while (filled < BlockSize)
                {
                    var read = await source.ReadAsync(buffer.AsMemory(filled, BlockSize - filled), cancellationToken).ConfigureAwait(false);
                    if (read == 0)
                    {
                        break;
                    }

                    filled += read;
                }

                if (filled == 0)
                {
                    break;
                }

                if (filled == BlockSize && !buffer.AsSpan(0, filled).ContainsAnyExcept((byte)0))
                {
                    file.Seek(filled, SeekOrigin.Current); // a hole: nothing allocated
                    hole = true;
                }
                else
                {
                    await file.WriteAsync(buffer.AsMemory(0, filled), cancellationToken).ConfigureAwait(false);
                    hole = false;
                }

                length += filled;
            }

            if (hole)
            {
                file.SetLength(length); // a trailing hole still counts towards the size
            }

            return length;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
