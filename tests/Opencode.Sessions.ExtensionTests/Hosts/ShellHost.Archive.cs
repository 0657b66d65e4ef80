using System.Formats.Tar;
using System.IO.Compression;
using System.IO.Enumeration;
using Opencode.Sessions.Workdir;

namespace Opencode.Sessions.ExtensionTests.Hosts;

/// <content>
/// Archiving with <see cref="TarWriter"/>; restoring into a staging directory first, so that a refused entry leaves the
/// work directory as it was. Only regular files and directories are restored (this host's own, simple rule).
/// </content>
internal sealed partial class ShellHost
{
    public override async Task ArchiveWorkdirAsync(Stream destination, IReadOnlyList<string> exclude, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(destination);
        ArgumentNullException.ThrowIfNull(exclude);
        ThrowIfDisposed();
        var gzip = new GZipStream(destination, CompressionLevel.Fastest, leaveOpen: true);
        await using (gzip.ConfigureAwait(false))
        {
            var tar = new TarWriter(gzip, TarEntryFormat.Pax, leaveOpen: true);
            await using (tar.ConfigureAwait(false))
            {
                await WriteTreeAsync(tar, WorkDirectory, "", exclude, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    public override async Task RestoreWorkdirAsync(Stream source, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        ThrowIfDisposed();
        var staging = Path.Combine(TaskDirectory, ".restore-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(staging, PrivateDirectory);
        try
        {
            var gzip = new GZipStream(source, CompressionMode.Decompress, leaveOpen: true);
            await using (gzip.ConfigureAwait(false))
            {
                var tar = new TarReader(gzip);
                await using (tar.ConfigureAwait(false))
                {
                    while (await tar.GetNextEntryAsync(copyData: false, cancellationToken).ConfigureAwait(false) is { } entry)
                    {
                        await ExtractAsync(entry, staging, cancellationToken).ConfigureAwait(false);
                    }
                }
            }

            Directory.Delete(WorkDirectory, recursive: true);
            Directory.Move(staging, WorkDirectory);
        }
        finally
        {
            if (Directory.Exists(staging))
            {
                Directory.Delete(staging, recursive: true);
            }
        }
    }

    private static async Task ExtractAsync(TarEntry entry, string staging, CancellationToken cancellationToken)
    {
        var name = (entry.Name.StartsWith("./", StringComparison.Ordinal) ? entry.Name[2..] : entry.Name).TrimEnd('/');
        if (name.Length == 0 || name == "." || entry.EntryType == TarEntryType.GlobalExtendedAttributes)
        {
            return;
        }

        if (name.StartsWith('/') || name.Split('/').Any(segment => segment is ".." or ""))
        {
            throw new UnsafeArchiveEntryException(entry.Name, "its name leaves the work directory");
        }

        var path = Path.Combine(staging, name);
        switch (entry.EntryType)
        {
            case TarEntryType.Directory:
                Directory.CreateDirectory(path, PrivateDirectory);
                File.SetUnixFileMode(path, entry.Mode | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
                break;
            case TarEntryType.RegularFile or TarEntryType.V7RegularFile:
                Directory.CreateDirectory(Path.GetDirectoryName(path)!, PrivateDirectory);
                await WriteAtomicallyAsync(Path.GetDirectoryName(path)!, Path.GetFileName(path), entry.DataStream ?? Stream.Null, entry.Mode, cancellationToken).ConfigureAwait(false);
                break;
            default:
                throw new UnsafeArchiveEntryException(entry.Name, $"it is a {entry.EntryType}; this host restores only regular files and directories");
        }
    }

    private static async Task WriteTreeAsync(TarWriter tar, string directory, string prefix, IReadOnlyList<string> exclude, CancellationToken cancellationToken)
    {
        foreach (var path in Directory.EnumerateFileSystemEntries(directory).Order(StringComparer.Ordinal))
        {
            var relative = prefix + Path.GetFileName(path);
            if (exclude.Any(pattern => Matches(pattern, relative)))
            {
                continue;
            }

            var info = new FileInfo(path);
            if (info.LinkTarget is { } target)
            {
                await tar.WriteEntryAsync(new PaxTarEntry(TarEntryType.SymbolicLink, relative) { LinkName = target }, cancellationToken).ConfigureAwait(false);
            }
            else if (Directory.Exists(path))
            {
                await tar.WriteEntryAsync(new PaxTarEntry(TarEntryType.Directory, relative) { Mode = File.GetUnixFileMode(path) }, cancellationToken).ConfigureAwait(false);
                await WriteTreeAsync(tar, path, relative + "/", exclude, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                var content = info.OpenRead();
                await using (content.ConfigureAwait(false))
                {
                    var entry = new PaxTarEntry(TarEntryType.RegularFile, relative) { Mode = info.UnixFileMode, DataStream = content };
                    await tar.WriteEntryAsync(entry, cancellationToken).ConfigureAwait(false);
                }
            }
        }
    }

    /// <summary>A path is excluded when its relative path or any one of its segments matches.</summary>
    private static bool Matches(string pattern, string relative) =>
        FileSystemName.MatchesSimpleExpression(pattern, relative, ignoreCase: false)
        || relative.Split('/').Any(segment => FileSystemName.MatchesSimpleExpression(pattern, segment, ignoreCase: false));
}
