using System.Formats.Tar;
using System.IO.Compression;
using Microsoft.Extensions.Logging;
using Opencode.Sessions.Internal;

namespace Opencode.Sessions.Workdir;

/// <summary>
/// Streams a work directory into a gzip-compressed tar archive and back, entry by entry (memory does not grow with
/// the directory's size). Extraction refuses every entry that could write outside the work directory.
/// </summary>
internal static partial class WorkdirArchiver
{
    private const UnixFileMode PermissionBits = (UnixFileMode)0x1FF; // 0777: setuid, setgid and sticky bits are dropped

    /// <summary>
    /// Writes <paramref name="workdir"/> as tar.gz into <paramref name="destination"/>: directories (so empty ones
    /// survive), regular files and symbolic links (kept as links), with relative names without <c>./</c>. Entries
    /// matching <paramref name="exclude"/> (lifecycle §5 rules) and <see cref="WorkdirExclusions.AlwaysExcludedAtRoot"/>
    /// are left out and excluded directories are not descended. Sockets, FIFOs, devices and symlinks a restore would
    /// refuse are skipped with a warning, so a snapshot is always restorable. Absolute symlink targets inside the work
    /// directory are stored relative (<see cref="WorkdirSymlinks"/>), so the snapshot restores under any task root.
    /// </summary>
    /// <param name="workdir">The directory to archive.</param>
    /// <param name="destination">Where the archive goes; not disposed.</param>
    /// <param name="exclude">Glob patterns; empty means nothing is excluded (the always-excluded names still are).</param>
    /// <param name="logger">Where skipped entries are reported.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    public static async Task WriteAsync(string workdir, Stream destination, IReadOnlyList<string> exclude, ILogger logger, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(exclude);
        var root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(workdir));
        if (!Directory.Exists(root))
        {
            throw new DirectoryNotFoundException($"The work directory '{root}' does not exist, so it cannot be archived.");
        }

        var glob = new WorkdirGlob(exclude, WorkdirExclusions.AlwaysExcludedAtRoot);
        var linkCheck = new ArchiveEntryValidator(root);
        var (entries, bytes) = (0, 0L);
        // Fastest: snapshots are taken during teardown (also after a cancel), where time matters more than a few percent of size.
        var gzip = new GZipStream(destination, CompressionLevel.Fastest, leaveOpen: true);
        await using (gzip.ConfigureAwait(false))
        {
            var tar = new TarWriter(gzip, TarEntryFormat.Pax, leaveOpen: true);
            await using (tar.ConfigureAwait(false))
            {
                // Depth-first with an explicit stack: a directory's entry always precedes its contents.
                var pending = new Stack<(string Full, string Relative)>();
                pending.Push((root, string.Empty));
                while (pending.TryPop(out var directory))
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    if (directory.Relative.Length > 0)
                    {
                        await tar.WriteEntryAsync(DirectoryEntry(directory.Full, directory.Relative), cancellationToken).ConfigureAwait(false);
                        entries++;
                    }

                    var subdirectories = new List<(string, string)>();
                    foreach (var full in ListSorted(directory.Full))
                    {
                        var relative = directory.Relative.Length == 0 ? Path.GetFileName(full) : directory.Relative + "/" + Path.GetFileName(full);
                        if (glob.IsExcluded(relative))
                        {
                            continue;
                        }

                        switch (KindOf(full))
                        {
                            case UnixFileKind.Directory:
                                subdirectories.Add((full, relative));
                                break;
                            case UnixFileKind.RegularFile:
                                var written = await WriteFileAsync(tar, full, relative, cancellationToken).ConfigureAwait(false);
                                (entries, bytes) = written < 0 ? (entries, bytes) : (entries + 1, bytes + written);
                                break;
                            case UnixFileKind.SymbolicLink:
                                entries += await WriteSymlinkAsync(tar, linkCheck, root, full, relative, logger, cancellationToken).ConfigureAwait(false) ? 1 : 0;
                                break;
                            case UnixFileKind.Special:
                                Log.ArchiveEntrySkipped(logger, relative, "sockets, FIFOs and device files are not archived");
                                break;
                        }
                    }

                    for (var i = subdirectories.Count - 1; i >= 0; i--)
                    {
                        pending.Push(subdirectories[i]);
                    }
                }
            }
        }

        Log.ArchiveWritten(logger, entries, bytes, root);
    }

    /// <summary>Mode bits worth restoring: permissions only, and never less than owner read/write (owner rwx for directories).</summary>
    internal static UnixFileMode SanitizeMode(UnixFileMode mode, bool directory) =>
        (mode & PermissionBits) | UnixFileMode.UserRead | UnixFileMode.UserWrite | (directory ? UnixFileMode.UserExecute : 0);

    private static IEnumerable<string> ListSorted(string directory)
    {
        var names = Directory.EnumerateFileSystemEntries(directory).ToList();
        names.Sort(StringComparer.Ordinal);
        return names;
    }

    /// <summary>The kind of a path; where <c>statx</c> is unavailable, FIFOs and devices are indistinguishable from files.</summary>
    private static UnixFileKind KindOf(string path)
    {
        var kind = UnixFileType.Get(path);
        if (kind != UnixFileKind.Unknown)
        {
            return kind;
        }

        var info = new FileInfo(path);
        return !info.Exists && !Directory.Exists(path) && info.LinkTarget is null ? UnixFileKind.Missing
            : info.LinkTarget is not null ? UnixFileKind.SymbolicLink
            : info.Attributes.HasFlag(FileAttributes.Directory) ? UnixFileKind.Directory
            : UnixFileKind.RegularFile;
    }

    private static PaxTarEntry DirectoryEntry(string full, string relative) => new(TarEntryType.Directory, relative + "/")
    {
        Mode = SanitizeMode(ModeOf(full), directory: true),
        ModificationTime = Directory.GetLastWriteTimeUtc(full),
    };

    // Returns the number of data bytes written, or -1 when the file vanished before it could be opened.
    private static async Task<long> WriteFileAsync(TarWriter tar, string full, string relative, CancellationToken cancellationToken)
    {
        FileStream data;
        try
        {
            data = new FileStream(full, PrivateFileSystem.ReadOptions());
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return -1; // deleted while the directory was being walked
        }

        await using (data.ConfigureAwait(false))
        {
            var entry = new PaxTarEntry(TarEntryType.RegularFile, relative)
            {
                Mode = SanitizeMode(ModeOf(full), directory: false),
                ModificationTime = File.GetLastWriteTimeUtc(full),
                DataStream = data,
            };
            await tar.WriteEntryAsync(entry, cancellationToken).ConfigureAwait(false);
            return data.Length;
        }
    }

    private static async Task<bool> WriteSymlinkAsync(TarWriter tar, ArchiveEntryValidator linkCheck, string root, string full, string relative, ILogger logger, CancellationToken cancellationToken)
    {
        var target = new FileInfo(full).LinkTarget;
        if (target is null)
        {
            return false;
        }

        // An absolute link into the work directory would point outside it once restored under another task root.
        target = WorkdirSymlinks.RelativeInside(root, relative, target) ?? target;

        try
        {
            linkCheck.Check(relative, TarEntryType.SymbolicLink, target);
        }
        catch (UnsafeArchiveEntryException ex)
        {
            Log.ArchiveEntrySkipped(logger, relative, ex.Reason + " (a restore would refuse it)");
            return false;
        }

        var entry = new PaxTarEntry(TarEntryType.SymbolicLink, relative) { LinkName = target, Mode = PermissionBits };
        await tar.WriteEntryAsync(entry, cancellationToken).ConfigureAwait(false);
        return true;
    }

    private static UnixFileMode ModeOf(string path) =>
        OperatingSystem.IsWindows() ? UnixFileMode.UserRead | UnixFileMode.UserWrite : File.GetUnixFileMode(path);
}
