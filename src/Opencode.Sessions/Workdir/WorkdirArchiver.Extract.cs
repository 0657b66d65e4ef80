using System.Buffers;
using System.Formats.Tar;
using System.IO.Compression;
using Microsoft.Extensions.Logging;
using Opencode.Sessions.Internal;

namespace Opencode.Sessions.Workdir;

/// <content>Extraction and validation of workdir archives.</content>
internal static partial class WorkdirArchiver
{
    /// <summary>
    /// Empties <paramref name="workdir"/> (creating it with mode 0700 if missing) and extracts a tar.gz into it, entry by
    /// entry. Every entry is checked before anything is written for it (<see cref="ArchiveEntryValidator"/>, plus: no
    /// existing component of its path is a symlink). Hard links inside the archive are restored as copies; runs of
    /// zero blocks are left as holes, so sparse files stay sparse. Size caps are enforced by the caller
    /// (<see cref="WorkdirRestoreGuard"/>). The source
    /// is read to its end, so the gzip checksum (and an encrypting layer below it) is verified.
    /// </summary>
    /// <param name="source">The archive bytes; not disposed.</param>
    /// <param name="workdir">The directory to restore into.</param>
    /// <param name="logger">Where the summary goes.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <exception cref="UnsafeArchiveEntryException">An entry was refused; entries before it stay extracted.</exception>
    /// <exception cref="InvalidDataException">The data is not a valid gzip-compressed tar archive.</exception>
    public static async Task ExtractAsync(Stream source, string workdir, ILogger logger, CancellationToken cancellationToken)
    {
        var root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(workdir));
        var validator = new ArchiveEntryValidator(root);
        var gzip = new GZipStream(source, CompressionMode.Decompress, leaveOpen: true);
        await using (gzip.ConfigureAwait(false))
        {
            var reader = new TarReader(gzip, leaveOpen: true);
            await using (reader.ConfigureAwait(false))
            {
                // Read and check the first entry before touching the work directory: garbage (a wrong blob, a failed
                // decryption) or a hostile first entry fails here and leaves the current contents alone.
                var entry = await reader.GetNextEntryAsync(copyData: false, cancellationToken).ConfigureAwait(false);
                var plan = entry is null ? null : validator.Check(entry);
                PrivateFileSystem.CreateDirectory(root);
                EmptyDirectory(root);
                var count = 0;
                while (entry is not null)
                {
                    if (plan is { } safe)
                    {
                        await ApplyAsync(root, entry, safe, cancellationToken).ConfigureAwait(false);
                        count++;
                    }

                    entry = await reader.GetNextEntryAsync(copyData: false, cancellationToken).ConfigureAwait(false);
                    plan = entry is null ? null : validator.Check(entry);
                }

                await DrainAsync(gzip, cancellationToken).ConfigureAwait(false);
                Log.ArchiveExtracted(logger, count, root);
            }
        }
    }

    /// <summary>
    /// Reads a tar.gz, validates every entry as <see cref="ExtractAsync"/> would (archive-level rules), and writes a
    /// sanitised copy (normalised names, permission bits only, no owners or extended attributes) as tar.gz into
    /// <paramref name="destination"/>. Lets a remote host's own <c>tar xzf -</c> receive only archives that passed.
    /// </summary>
    /// <param name="source">The archive bytes; not disposed.</param>
    /// <param name="destination">Where the validated archive goes; not disposed.</param>
    /// <param name="workdir">The absolute POSIX path the archive will be extracted into.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <exception cref="UnsafeArchiveEntryException">An entry was refused; the output is incomplete and must be discarded.</exception>
    public static async Task ValidateAndCopyAsync(Stream source, Stream destination, string workdir, CancellationToken cancellationToken)
    {
        var validator = new ArchiveEntryValidator(workdir);
        await RepackAsync(source, destination, entry => validator.Check(entry) is { } plan ? Sanitized(entry, plan) : null, cancellationToken).ConfigureAwait(false);
    }

    private static PaxTarEntry Sanitized(TarEntry entry, ArchiveEntryPlan plan)
    {
        var directory = plan.Kind == TarEntryType.Directory;
        var copy = new PaxTarEntry(plan.Kind, directory ? plan.RelativePath + "/" : plan.RelativePath)
        {
            Mode = plan.Kind == TarEntryType.SymbolicLink ? PermissionBits : SanitizeMode(entry.Mode, directory),
            ModificationTime = entry.ModificationTime,
        };
        if (plan.LinkTarget is not null)
        {
            copy.LinkName = plan.LinkTarget;
        }

        if (plan.Kind == TarEntryType.RegularFile && entry.DataStream is { } data)
        {
            copy.DataStream = new KnownLengthReadStream(data, entry.Length);
        }

        return copy;
    }

    private static async Task ApplyAsync(string root, TarEntry entry, ArchiveEntryPlan plan, CancellationToken cancellationToken)
    {
        var target = root + "/" + plan.RelativePath;
        EnsureParentDirectories(root, plan.RelativePath, entry.Name);
        var existing = UnixFileType.Get(target);
        if (existing is not (UnixFileKind.Missing or UnixFileKind.Unknown) && !(existing == UnixFileKind.Directory && plan.Kind == TarEntryType.Directory))
        {
            // Only directories may repeat (the validator enforces it), so anything else here was not made by this archive.
            throw new UnsafeArchiveEntryException(entry.Name, "something already exists at its path");
        }

        switch (plan.Kind)
        {
            case TarEntryType.Directory:
                PrivateFileSystem.CreateDirectory(target);
                SetMode(target, SanitizeMode(entry.Mode, directory: true));
                break;
            case TarEntryType.SymbolicLink:
                File.CreateSymbolicLink(target, plan.LinkTarget!);
                break;
            case TarEntryType.HardLink:
                var source = root + "/" + plan.LinkTarget;
                EnsureParentDirectories(root, plan.LinkTarget!, entry.Name);
                if (UnixFileType.Get(source) is not (UnixFileKind.RegularFile or UnixFileKind.Unknown))
                {
                    throw new UnsafeArchiveEntryException(entry.Name, $"its hard link target '{entry.LinkName}' is not a regular file in the work directory");
                }

                var original = new FileStream(source, PrivateFileSystem.ReadOptions());
                await using (original.ConfigureAwait(false))
                {
                    await WriteNewFileAsync(target, original, ModeOf(source), File.GetLastWriteTimeUtc(source), cancellationToken).ConfigureAwait(false);
                }

                break;
            default:
                await WriteNewFileAsync(target, entry.DataStream, SanitizeMode(entry.Mode, directory: false), entry.ModificationTime, cancellationToken).ConfigureAwait(false);
                break;
        }
    }

    /// <summary>Creates missing parents (0700) and refuses a path whose existing components include a symlink or a file.</summary>
    private static void EnsureParentDirectories(string root, string relativePath, string entryName)
    {
        var current = root;
        var segments = relativePath.Split('/');
        for (var i = 0; i < segments.Length - 1; i++)
        {
            current += "/" + segments[i];
            switch (UnixFileType.Get(current))
            {
                case UnixFileKind.Missing:
                    PrivateFileSystem.CreateDirectory(current);
                    break;
                case UnixFileKind.Directory:
                    break;
                case UnixFileKind.SymbolicLink:
                    throw new UnsafeArchiveEntryException(entryName, $"its path goes through the symbolic link '{string.Join('/', segments[..(i + 1)])}'");
                case UnixFileKind.Unknown when new DirectoryInfo(current) is { Exists: true, LinkTarget: null }:
                    break;
                case UnixFileKind.Unknown when !Path.Exists(current) && new FileInfo(current).LinkTarget is null:
                    PrivateFileSystem.CreateDirectory(current);
                    break;
                default:
                    throw new UnsafeArchiveEntryException(entryName, $"its parent '{string.Join('/', segments[..(i + 1)])}' is not a directory");
            }
        }
    }

    private static async Task WriteNewFileAsync(string target, Stream? data, UnixFileMode mode, DateTimeOffset modified, CancellationToken cancellationToken)
    {
        var options = PrivateFileSystem.NewFileOptions(bufferSize: 0); // CopyToAsync writes large blocks; a FileStream buffer per file would only add garbage
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = mode;
        }

        // CreateNew (O_EXCL) never follows a symlink that might have appeared at the target.
        var file = new FileStream(target, options);
        await using (file.ConfigureAwait(false))
        {
            if (data is not null)
            {
                await SparseFileCopy.CopyAsync(data, file, cancellationToken).ConfigureAwait(false);
            }
        }

        if (modified > DateTimeOffset.UnixEpoch)
        {
            File.SetLastWriteTimeUtc(target, modified.UtcDateTime);
        }
    }

    private static void SetMode(string path, UnixFileMode mode)
    {
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, mode);
        }
    }

    /// <summary>Deletes everything inside <paramref name="directory"/> without following symlinks.</summary>
    private static void EmptyDirectory(string directory)
    {
        foreach (var path in Directory.EnumerateFileSystemEntries(directory).ToList())
        {
            var kind = UnixFileType.Get(path);
            var isDirectory = kind == UnixFileKind.Directory
                || (kind == UnixFileKind.Unknown && new DirectoryInfo(path) is { Exists: true, LinkTarget: null });
            if (isDirectory)
            {
                Directory.Delete(path, recursive: true); // removes links inside, never what they point to
            }
            else if (kind != UnixFileKind.Missing)
            {
                File.Delete(path);
            }
        }
    }

    private static async Task DrainAsync(Stream stream, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            while (await stream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false) > 0)
            {
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
