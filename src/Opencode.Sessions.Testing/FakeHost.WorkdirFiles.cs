using Opencode.Sessions.Hosting;

namespace Opencode.Sessions.Testing;

/// <content>
/// Agent-controlled files beneath the work directory, with the real hosts' rules on the model: no symlink component,
/// a regular file (not a directory or a <see cref="AddSpecialFile">special file</see>) with one link.
/// </content>
public sealed partial class FakeHost
{
    private readonly HashSet<string> _specialFiles = new(StringComparer.Ordinal);

    /// <inheritdoc/>
    public override async Task<Stream> OpenWorkdirFileAsync(string relativePath, CancellationToken cancellationToken)
    {
        var names = WorkdirRelativePath.Split(relativePath);
        await EnterAsync(nameof(OpenWorkdirFileAsync), WorkDirectory + "/" + string.Join('/', names), cancellationToken).ConfigureAwait(false);
        lock (_gate)
        {
            var path = WalkBeneath(relativePath, names, create: false);
            if (_symlinks.ContainsKey(path))
            {
                throw new UnsafeWorkdirPathException(relativePath, UnsafeWorkdirPathReason.SymbolicLink);
            }

            if (_specialFiles.Contains(path) || _directories.Contains(path))
            {
                throw new UnsafeWorkdirPathException(relativePath, UnsafeWorkdirPathReason.NotRegularFile);
            }

            if (!_files.TryGetValue(path, out var file))
            {
                throw new UnsafeWorkdirPathException(relativePath, UnsafeWorkdirPathReason.NotFound);
            }

            return file.LinkCount > 1
                ? throw new UnsafeWorkdirPathException(relativePath, UnsafeWorkdirPathReason.HardLink)
                : new MemoryStream(file.Content, writable: false);
        }
    }

    /// <inheritdoc/>
    /// <remarks>Parent directories are created; a symlink at the target is replaced (as a rename over it would), never followed.</remarks>
    public override async Task WriteWorkdirFileAsync(string relativePath, Stream content, UnixFileMode? mode, CancellationToken cancellationToken)
    {
        var names = WorkdirRelativePath.Split(relativePath);
        ArgumentNullException.ThrowIfNull(content);
        await EnterAsync(nameof(WriteWorkdirFileAsync), WorkDirectory + "/" + string.Join('/', names), cancellationToken).ConfigureAwait(false);
        using var buffer = new MemoryStream();
        await content.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
        lock (_gate)
        {
            var path = WalkBeneath(relativePath, names, create: true);
            if (_directories.Contains(path) || _specialFiles.Contains(path))
            {
                throw new UnsafeWorkdirPathException(relativePath, UnsafeWorkdirPathReason.NotRegularFile);
            }

            _symlinks.Remove(path);
        }

        PutFile(WorkDirectory + "/" + string.Join('/', names), buffer.ToArray(), mode ?? DefaultFileMode);
    }

    /// <summary>Creates a FIFO, socket or device node (not a regular file; not recorded as a call).</summary>
    /// <param name="path">Absolute path.</param>
    public void AddSpecialFile(string path)
    {
        var normalized = Absolute(path);
        lock (_gate)
        {
            AddDirectoryWithParents(ParentOf(normalized));
            _specialFiles.Add(normalized);
        }
    }

    /// <summary>Gives an existing file a second name (a hard link; not recorded as a call). Both names then have two links.</summary>
    /// <param name="linkPath">Absolute path of the new name.</param>
    /// <param name="existingPath">Absolute path of the existing file.</param>
    /// <exception cref="FileNotFoundException">The existing file does not exist.</exception>
    public void AddHardLink(string linkPath, string existingPath)
    {
        var link = Absolute(linkPath);
        var existing = Absolute(existingPath);
        lock (_gate)
        {
            if (!_files.TryGetValue(existing, out var file))
            {
                throw new FileNotFoundException($"No such file on the fake host: {existing}", existing);
            }

            AddDirectoryWithParents(ParentOf(link));
            file.LinkCount++;
            _files[link] = file;
        }
    }

    /// <summary>Walks the directories of <paramref name="names"/> beneath the work directory, refusing symlinks; returns the final path. Call under the lock.</summary>
    private string WalkBeneath(string relativePath, string[] names, bool create)
    {
        var current = WorkDirectory;
        if (_symlinks.ContainsKey(current))
        {
            throw new UnsafeWorkdirPathException(relativePath, UnsafeWorkdirPathReason.SymbolicLink);
        }

        foreach (var name in names[..^1])
        {
            current += "/" + name;
            if (_symlinks.ContainsKey(current))
            {
                throw new UnsafeWorkdirPathException(relativePath, UnsafeWorkdirPathReason.SymbolicLink);
            }

            if (_files.ContainsKey(current) || _specialFiles.Contains(current))
            {
                throw new UnsafeWorkdirPathException(relativePath, UnsafeWorkdirPathReason.NotRegularFile);
            }

            if (!_directories.Contains(current))
            {
                if (!create)
                {
                    throw new UnsafeWorkdirPathException(relativePath, UnsafeWorkdirPathReason.NotFound);
                }

                _directories.Add(current);
            }
        }

        return current + "/" + names[^1];
    }
}
