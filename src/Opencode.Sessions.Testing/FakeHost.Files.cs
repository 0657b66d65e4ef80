using System.Text;
using Opencode.Sessions.Posix;

namespace Opencode.Sessions.Testing;

/// <content>The in-memory file system: files, directories, symlinks, and helpers to arrange and inspect them.</content>
public sealed partial class FakeHost
{
    /// <summary>The mode of files written without an explicit one (0600), as the real hosts do.</summary>
    public const UnixFileMode DefaultFileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    private const int MaxSymlinkHops = 40;

    private readonly Dictionary<string, FakeFile> _files = new(StringComparer.Ordinal);
    private readonly HashSet<string> _directories = new(StringComparer.Ordinal) { "/" };
    private readonly Dictionary<string, string> _symlinks = new(StringComparer.Ordinal);

    /// <summary>Gets the paths of all files, sorted ordinally.</summary>
    public IReadOnlyList<string> FilePaths
    {
        get
        {
            lock (_gate)
            {
                return _files.Keys.Order(StringComparer.Ordinal).ToArray();
            }
        }
    }

    /// <inheritdoc/>
    /// <remarks>The content is copied to memory; parent directories are created; followers of the path restart from byte 0.</remarks>
    public override async Task WriteFileAsync(string path, Stream content, UnixFileMode? mode, CancellationToken cancellationToken)
    {
        var normalized = Absolute(path);
        ArgumentNullException.ThrowIfNull(content);
        await EnterAsync(nameof(WriteFileAsync), normalized, cancellationToken).ConfigureAwait(false);
        using var buffer = new MemoryStream();
        await content.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
        PutFile(normalized, buffer.ToArray(), mode ?? DefaultFileMode);
    }

    /// <inheritdoc/>
    public override async Task<Stream> OpenReadAsync(string path, CancellationToken cancellationToken)
    {
        var normalized = Absolute(path);
        await EnterAsync(nameof(OpenReadAsync), normalized, cancellationToken).ConfigureAwait(false);
        lock (_gate)
        {
            return _files.TryGetValue(normalized, out var file)
                ? new MemoryStream(file.Content, writable: false)
                : throw new FileNotFoundException($"No such file on the fake host: {normalized}", normalized);
        }
    }

    /// <inheritdoc/>
    public override async Task RemoveFileAsync(string path, CancellationToken cancellationToken)
    {
        var normalized = Absolute(path);
        await EnterAsync(nameof(RemoveFileAsync), normalized, cancellationToken).ConfigureAwait(false);
        lock (_gate)
        {
            _files.Remove(normalized);
        }

        SignalChanged();
    }

    /// <inheritdoc/>
    /// <remarks>Lexical normalisation plus the symlinks registered with <see cref="AddSymlink"/>; missing components are allowed.</remarks>
    /// <exception cref="IOException">The symlinks form a loop (more than 40 hops).</exception>
    public override async Task<string> ResolveRealPathAsync(string path, CancellationToken cancellationToken)
    {
        var normalized = Absolute(path);
        await EnterAsync(nameof(ResolveRealPathAsync), normalized, cancellationToken).ConfigureAwait(false);
        lock (_gate)
        {
            return ResolveSymlinks(normalized);
        }
    }

    /// <summary>Registers a symbolic link honoured by <see cref="ResolveRealPathAsync"/>.</summary>
    /// <param name="linkPath">Absolute path of the link.</param>
    /// <param name="target">Its target: absolute, or relative to the link's directory.</param>
    public void AddSymlink(string linkPath, string target)
    {
        ArgumentException.ThrowIfNullOrEmpty(target);
        var link = Absolute(linkPath);
        lock (_gate)
        {
            _symlinks[link] = target;
        }
    }

    /// <summary>Creates or replaces a file (not recorded as a call; for arranging a test).</summary>
    /// <param name="path">Absolute path.</param>
    /// <param name="content">The content, written as UTF-8.</param>
    /// <param name="mode">The mode; <see langword="null"/> = <see cref="DefaultFileMode"/>.</param>
    public void AddFile(string path, string content, UnixFileMode? mode = null)
    {
        ArgumentNullException.ThrowIfNull(content);
        AddFile(path, Encoding.UTF8.GetBytes(content), mode);
    }

    /// <summary>Creates or replaces a file (not recorded as a call; for arranging a test).</summary>
    /// <param name="path">Absolute path.</param>
    /// <param name="content">The bytes (copied).</param>
    /// <param name="mode">The mode; <see langword="null"/> = <see cref="DefaultFileMode"/>.</param>
    public void AddFile(string path, byte[] content, UnixFileMode? mode = null)
    {
        ArgumentNullException.ThrowIfNull(content);
        PutFile(Absolute(path), content.ToArray(), mode ?? DefaultFileMode);
    }

    /// <summary>
    /// Appends text to a file, creating it (mode 0600) if needed, and wakes its followers: this is how a test (or a
    /// scripted fake process) "writes" <c>optio.log</c>. Text without a trailing newline stays an incomplete line for
    /// followers until the newline is appended. Not recorded as a call.
    /// </summary>
    /// <param name="path">Absolute path.</param>
    /// <param name="text">The text, appended as UTF-8.</param>
    public void AppendToFile(string path, string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        AppendToFile(path, Encoding.UTF8.GetBytes(text));
    }

    /// <summary>Appends bytes to a file, creating it if needed, and wakes its followers. Not recorded as a call.</summary>
    /// <param name="path">Absolute path.</param>
    /// <param name="bytes">The bytes to append.</param>
    public void AppendToFile(string path, byte[] bytes)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        var normalized = Absolute(path);
        lock (_gate)
        {
            if (_files.TryGetValue(normalized, out var file))
            {
                file.Content = [.. file.Content, .. bytes];
            }
            else
            {
                AddDirectoryWithParents(ParentOf(normalized));
                _files[normalized] = new FakeFile(bytes.ToArray(), DefaultFileMode);
            }
        }

        SignalChanged();
    }

    /// <summary>Gets a value indicating whether a file exists.</summary>
    /// <param name="path">Absolute path.</param>
    /// <returns><see langword="true"/> if the file exists.</returns>
    public bool FileExists(string path)
    {
        var normalized = Absolute(path);
        lock (_gate)
        {
            return _files.ContainsKey(normalized);
        }
    }

    /// <summary>Gets a value indicating whether a directory exists (created by setup, a write, or a restore).</summary>
    /// <param name="path">Absolute path.</param>
    /// <returns><see langword="true"/> if the directory exists.</returns>
    public bool DirectoryExists(string path)
    {
        var normalized = Absolute(path);
        lock (_gate)
        {
            return _directories.Contains(normalized);
        }
    }

    /// <summary>Reads a file's bytes.</summary>
    /// <param name="path">Absolute path.</param>
    /// <returns>A copy of the content.</returns>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    public byte[] ReadAllBytes(string path)
    {
        var normalized = Absolute(path);
        lock (_gate)
        {
            return _files.TryGetValue(normalized, out var file)
                ? file.Content.ToArray()
                : throw new FileNotFoundException($"No such file on the fake host: {normalized}", normalized);
        }
    }

    /// <summary>Reads a file as UTF-8 text.</summary>
    /// <param name="path">Absolute path.</param>
    /// <returns>The text.</returns>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    public string ReadAllText(string path) => Encoding.UTF8.GetString(ReadAllBytes(path));

    /// <summary>Gets a file's mode.</summary>
    /// <param name="path">Absolute path.</param>
    /// <returns>The mode given when it was written.</returns>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    public UnixFileMode GetFileMode(string path)
    {
        var normalized = Absolute(path);
        lock (_gate)
        {
            return _files.TryGetValue(normalized, out var file)
                ? file.Mode
                : throw new FileNotFoundException($"No such file on the fake host: {normalized}", normalized);
        }
    }

    private static string Absolute(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return path.StartsWith('/')
            ? HostPath.Normalize(path)
            : throw new ArgumentException($"Host paths must be absolute POSIX paths, not '{path}'.", nameof(path));
    }

    private static string ParentOf(string path)
    {
        var slash = path.LastIndexOf('/');
        return slash <= 0 ? "/" : path[..slash];
    }

    private void PutFile(string path, byte[] content, UnixFileMode mode)
    {
        lock (_gate)
        {
            AddDirectoryWithParents(ParentOf(path));

            // A new object, like an atomic rename: followers notice the replacement and start again from byte 0.
            _files[path] = new FakeFile(content, mode);
        }

        SignalChanged();
    }

    /// <summary>Adds a directory and all its ancestors. Call under the lock.</summary>
    private void AddDirectoryWithParents(string directory)
    {
        for (var current = directory; _directories.Add(current); current = ParentOf(current))
        {
        }
    }

    /// <summary>Removes files and directories at or under <paramref name="root"/>. Call under the lock.</summary>
    private void RemoveTree(string root, bool keepRoot)
    {
        foreach (var path in _files.Keys.Where(p => HostPath.IsUnder(p, root)).ToList())
        {
            _files.Remove(path);
        }

        _directories.RemoveWhere(d => HostPath.IsUnder(d, root, allowEqual: !keepRoot) && d != "/");
    }

    /// <summary>Resolves registered symlinks in an absolute, normalised path (like <c>realpath -m</c>). Call under the lock.</summary>
    private string ResolveSymlinks(string path)
    {
        var pending = new List<string>(path.Split('/', StringSplitOptions.RemoveEmptyEntries));
        var current = "/";
        var hops = 0;
        while (pending.Count > 0)
        {
            var segment = pending[0];
            pending.RemoveAt(0);
            if (segment == "..")
            {
                current = ParentOf(current);
                continue;
            }

            if (segment == ".")
            {
                continue;
            }

            var candidate = HostPath.Combine(current, segment);
            if (!_symlinks.TryGetValue(candidate, out var target))
            {
                current = candidate;
                continue;
            }

            if (++hops > MaxSymlinkHops)
            {
                throw new IOException($"Too many levels of symbolic links resolving {path} on the fake host.");
            }

            var expanded = target.StartsWith('/') ? target : HostPath.Combine(current, target);
            pending.InsertRange(0, expanded.Split('/', StringSplitOptions.RemoveEmptyEntries));
            current = "/";
        }

        return current;
    }

    /// <summary>A file's bytes and mode; replaced (not mutated) when the file is rewritten.</summary>
    private sealed class FakeFile(byte[] content, UnixFileMode mode)
    {
        public byte[] Content { get; set; } = content;

        public UnixFileMode Mode { get; } = mode;

        /// <summary>Gets or sets the number of names the file has (<see cref="AddHardLink"/>).</summary>
        public int LinkCount { get; set; } = 1;
    }
}
