using System.Formats.Tar;
using System.IO.Compression;
using Opencode.Sessions.Internal;

namespace Opencode.Sessions.Workdir;

/// <content>Re-packing archives: validated copies for a host's tar, and portable copies of a host's tar output.</content>
internal static partial class WorkdirArchiver
{
    /// <summary>
    /// Copies a tar.gz from <paramref name="source"/> to <paramref name="destination"/> entry by entry, rewriting the
    /// targets of symbolic links that are absolute and point inside <paramref name="workdir"/> to relative ones
    /// (<see cref="WorkdirSymlinks"/>). Every other entry is copied as it is; a restore still validates all of them.
    /// </summary>
    /// <param name="source">The archive as the host's tar wrote it; read to its end, not disposed.</param>
    /// <param name="destination">Where the portable archive goes; not disposed.</param>
    /// <param name="workdir">The absolute POSIX path the archive was made from.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <exception cref="InvalidDataException">The source is not a valid gzip-compressed tar archive.</exception>
    public static Task MakePortableAsync(Stream source, Stream destination, string workdir, CancellationToken cancellationToken) =>
        RepackAsync(
            source,
            destination,
            entry =>
            {
                if (entry.EntryType == TarEntryType.SymbolicLink && WorkdirSymlinks.RelativeInside(workdir, entry.Name, entry.LinkName) is { } relative)
                {
                    entry.LinkName = relative;
                }
                else if (entry.DataStream is { CanSeek: false } data && entry.EntryType is TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile)
                {
                    // TarWriter needs the length up front to write into a gzip stream (the header says it), and
                    // replacing a read entry's stream would dispose it: copy the entry.
                    return new PaxTarEntry(TarEntryType.RegularFile, entry.Name)
                    {
                        Mode = entry.Mode,
                        ModificationTime = entry.ModificationTime,
                        DataStream = new KnownLengthReadStream(data, entry.Length),
                    };
                }

                return entry;
            },
            cancellationToken);

    /// <summary>
    /// Reads a tar.gz entry by entry and writes what <paramref name="map"/> returns for each (<see langword="null"/> =
    /// leave the entry out) as a new tar.gz; the source is read to its end, so its gzip checksum is verified.
    /// </summary>
    private static async Task RepackAsync(Stream source, Stream destination, Func<TarEntry, TarEntry?> map, CancellationToken cancellationToken)
    {
        var input = new GZipStream(source, CompressionMode.Decompress, leaveOpen: true);
        await using (input.ConfigureAwait(false))
        {
            var reader = new TarReader(input, leaveOpen: true);
            await using (reader.ConfigureAwait(false))
            {
                var output = new GZipStream(destination, CompressionLevel.Fastest, leaveOpen: true);
                await using (output.ConfigureAwait(false))
                {
                    var writer = new TarWriter(output, TarEntryFormat.Pax, leaveOpen: true);
                    await using (writer.ConfigureAwait(false))
                    {
                        while (await reader.GetNextEntryAsync(copyData: false, cancellationToken).ConfigureAwait(false) is { } entry)
                        {
                            if (map(entry) is { } mapped)
                            {
                                await writer.WriteEntryAsync(mapped, cancellationToken).ConfigureAwait(false);
                            }
                        }
                    }
                }

                await DrainAsync(input, cancellationToken).ConfigureAwait(false);
            }
        }
    }
}
