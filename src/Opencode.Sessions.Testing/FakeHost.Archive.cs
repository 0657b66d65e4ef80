using System.Formats.Tar;
using System.IO.Compression;
using System.IO.Enumeration;
using Opencode.Sessions.Workdir;
using Opencode.Sessions.Posix;

namespace Opencode.Sessions.Testing;

/// <content>Archiving and restoring the work directory as a real gzip-compressed tar stream.</content>
public sealed partial class FakeHost
{
    /// <inheritdoc/>
    /// <remarks>
    /// Writes the files and directories under <see cref="WorkDirectory"/> as a real tar.gz (entry names relative, no
    /// <c>./</c>). A path is left out when its relative path or any single segment matches a pattern (<c>*</c> and
    /// <c>?</c> wildcards, case-sensitive).
    /// </remarks>
    public override async Task ArchiveWorkdirAsync(Stream destination, IReadOnlyList<string> exclude, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(destination);
        ArgumentNullException.ThrowIfNull(exclude);
        await EnterAsync(nameof(ArchiveWorkdirAsync), WorkDirectory, cancellationToken).ConfigureAwait(false);
        List<(string Name, byte[]? Content, UnixFileMode Mode)> entries;
        lock (_gate)
        {
            var prefix = WorkDirectory + "/";
            entries = _directories.Where(d => d.StartsWith(prefix, StringComparison.Ordinal))
                .Select(d => (d[prefix.Length..], (byte[]?)null, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute))
                .Concat(_files.Where(f => f.Key.StartsWith(prefix, StringComparison.Ordinal))
                    .Select(f => (f.Key[prefix.Length..], (byte[]?)f.Value.Content, f.Value.Mode)))
                .Where(e => !IsExcluded(e.Item1, exclude))
                .OrderBy(e => e.Item1, StringComparer.Ordinal)
                .ToList();
        }

        var gzip = new GZipStream(destination, CompressionLevel.Fastest, leaveOpen: true);
        await using (gzip.ConfigureAwait(false))
        {
            var tar = new TarWriter(gzip, TarEntryFormat.Pax, leaveOpen: true);
            await using (tar.ConfigureAwait(false))
            {
                foreach (var (name, content, mode) in entries)
                {
                    var entry = new PaxTarEntry(content is null ? TarEntryType.Directory : TarEntryType.RegularFile, name) { Mode = mode };
                    if (content is not null)
                    {
                        entry.DataStream = new MemoryStream(content, writable: false);
                    }

                    await tar.WriteEntryAsync(entry, cancellationToken).ConfigureAwait(false);
                }
            }
        }
    }

    /// <inheritdoc/>
    /// <remarks>
    /// Reads the whole archive first; entries with absolute names, <c>..</c> segments, or types other than regular
    /// files and directories are refused with <see cref="UnsafeArchiveEntryException"/> and the work directory is left as it
    /// was. Otherwise the work directory is emptied and filled from the archive.
    /// </remarks>
    /// <exception cref="UnsafeArchiveEntryException">The archive holds an unsafe entry.</exception>
    /// <exception cref="InvalidDataException">The archive is not a tar.gz stream.</exception>
    public override async Task RestoreWorkdirAsync(Stream source, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        await EnterAsync(nameof(RestoreWorkdirAsync), WorkDirectory, cancellationToken).ConfigureAwait(false);
        var restored = new List<(string Path, byte[]? Content, UnixFileMode Mode)>();
        var gzip = new GZipStream(source, CompressionMode.Decompress, leaveOpen: true);
        await using (gzip.ConfigureAwait(false))
        {
            var tar = new TarReader(gzip, leaveOpen: false);
            await using (tar.ConfigureAwait(false))
            {
                while (await tar.GetNextEntryAsync(copyData: false, cancellationToken).ConfigureAwait(false) is { } entry)
                {
                    var name = entry.Name.StartsWith("./", StringComparison.Ordinal) ? entry.Name[2..] : entry.Name;
                    name = name.TrimEnd('/');
                    if (name.Length == 0 || name == ".")
                    {
                        continue;
                    }

                    if (name.StartsWith('/') || name.Split('/').Contains(".."))
                    {
                        throw new UnsafeArchiveEntryException(entry.Name, "it would escape the work directory");
                    }

                    var path = HostPath.Normalize(WorkDirectory + "/" + name);
                    if (entry.EntryType is TarEntryType.Directory)
                    {
                        restored.Add((path, null, entry.Mode));
                    }
                    else if (entry.EntryType is TarEntryType.RegularFile or TarEntryType.V7RegularFile)
                    {
                        using var content = new MemoryStream();
                        if (entry.DataStream is not null)
                        {
                            await entry.DataStream.CopyToAsync(content, cancellationToken).ConfigureAwait(false);
                        }

                        restored.Add((path, content.ToArray(), entry.Mode));
                    }
                    else
                    {
                        throw new UnsafeArchiveEntryException(entry.Name, $"it is a {entry.EntryType}; the fake host restores only regular files and directories");
                    }
                }
            }
        }

        lock (_gate)
        {
            RemoveTree(WorkDirectory, keepRoot: true);
            AddDirectoryWithParents(WorkDirectory);
            foreach (var (path, content, mode) in restored)
            {
                if (content is null)
                {
                    AddDirectoryWithParents(path);
                }
                else
                {
                    AddDirectoryWithParents(ParentOf(path));
                    _files[path] = new FakeFile(content, mode);
                }
            }
        }

        SignalChanged();
    }

    private static bool IsExcluded(string relativePath, IReadOnlyList<string> patterns) =>
        patterns.Any(p => FileSystemName.MatchesSimpleExpression(p, relativePath, ignoreCase: false)
            || relativePath.Split('/').Any(segment => FileSystemName.MatchesSimpleExpression(p, segment, ignoreCase: false)));
}
