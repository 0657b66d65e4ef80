using System.Runtime.CompilerServices;
using Microsoft.Win32.SafeHandles;

namespace Opencode.Sessions.Hosting.Local;

/// <summary>
/// Follows a local file from its first byte, like <c>tail -F -n +1</c>: the file may not exist yet, may be truncated
/// (reading starts again at byte 0) or replaced by another file (the old one is read to its end, then the new one from
/// byte 0). An inotify-backed <see cref="FileSystemWatcher"/> wakes the reader early; a periodic poll covers missed
/// events, a missing directory and systems without inotify. Reads are positional, through a handle that lets writers
/// write, truncate, rename and delete the file freely.
/// </summary>
/// <remarks>
/// Limits, as with <c>tail -F</c>: a truncation followed by a rewrite past the old read position between two polls
/// is not noticed (the new bytes beyond that position are read as if appended), and on systems without
/// <c>statx(2)</c> a replacement is noticed only when the path vanished for at least one poll.
/// </remarks>
internal sealed class LocalFileFollower : IDisposable
{
    /// <summary>The fallback poll interval when no file-system event arrives.</summary>
    public static readonly TimeSpan DefaultPollInterval = TimeSpan.FromMilliseconds(250);

    private const int ChunkBytes = 64 * 1024;

    private readonly string _path;
    private readonly string _directory;
    private readonly string _fileName;
    private readonly TimeSpan _pollInterval;
    // Never disposed: watcher callbacks may still release it while the follower is being disposed, and a
    // SemaphoreSlim whose wait handle was never requested holds no unmanaged resource.
    private readonly SemaphoreSlim _wake = new(0, 1);
    private readonly byte[] _chunk = new byte[ChunkBytes];
    private LineAssembler _assembler;
    private FileSystemWatcher? _watcher;
    private volatile bool _watcherBroken;
    private bool _watcherUnavailable;
    private SafeFileHandle? _handle;
    private FileIdentity? _identity;
    private bool _vanished;
    private long _position;
    private bool _disposed;

    private LocalFileFollower(string path, int maxLineBytes, TimeSpan pollInterval)
    {
        _path = Path.GetFullPath(path);
        _directory = Path.GetDirectoryName(_path) ?? throw new ArgumentException($"'{path}' names no file.", nameof(path));
        _fileName = Path.GetFileName(_path);
        _pollInterval = pollInterval;
        _assembler = new LineAssembler(maxLineBytes);
    }

    /// <summary>Follows <paramref name="path"/> until <paramref name="cancellationToken"/> is cancelled.</summary>
    /// <param name="path">The file; it may not exist yet.</param>
    /// <param name="maxLineBytes">Longer lines are cut and flagged <see cref="FollowedLine.Truncated"/> (see <see cref="LineAssembler"/>).</param>
    /// <param name="cancellationToken">Ends the enumeration with <see cref="OperationCanceledException"/>.</param>
    /// <returns>Complete lines, in file order, without terminators. An incomplete last line is held back.</returns>
    /// <exception cref="UnauthorizedAccessException">The file exists but cannot be read.</exception>
    public static IAsyncEnumerable<FollowedLine> FollowAsync(string path, int maxLineBytes, CancellationToken cancellationToken) =>
        FollowAsync(path, maxLineBytes, DefaultPollInterval, cancellationToken);

    /// <inheritdoc cref="FollowAsync(string, int, CancellationToken)"/>
    /// <param name="path">The file; it may not exist yet.</param>
    /// <param name="maxLineBytes">Longer lines are cut and flagged <see cref="FollowedLine.Truncated"/>.</param>
    /// <param name="pollInterval">How often to look for new data when no file-system event arrives.</param>
    /// <param name="cancellationToken">Ends the enumeration with <see cref="OperationCanceledException"/>.</param>
    public static IAsyncEnumerable<FollowedLine> FollowAsync(string path, int maxLineBytes, TimeSpan pollInterval, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLineBytes, 16);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(pollInterval, TimeSpan.Zero);
        return FollowCoreAsync(path, maxLineBytes, pollInterval, cancellationToken);
    }

    /// <summary>Stops watching and closes the file. Idempotent.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        DisposeWatcher();
        CloseFile();
    }

    private static async IAsyncEnumerable<FollowedLine> FollowCoreAsync(
        string path, int maxLineBytes, TimeSpan pollInterval, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var follower = new LocalFileFollower(path, maxLineBytes, pollInterval);
        var lines = new List<FollowedLine>();
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var progressed = await follower.StepAsync(lines, cancellationToken).ConfigureAwait(false);
            foreach (var line in lines)
            {
                yield return line;
            }

            lines.Clear();
            if (!progressed)
            {
                // Either a file-system event or the poll interval ends the wait; a late event only costs one extra read.
                await follower._wake.WaitAsync(follower._pollInterval, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Reads at most one chunk; returns whether anything changed (so the caller should step again at once).</summary>
    private async Task<bool> StepAsync(List<FollowedLine> lines, CancellationToken cancellationToken)
    {
        EnsureWatcher();
        if (_handle is null && !TryOpen())
        {
            return false;
        }

        if (await ReadChunkAsync(lines, cancellationToken).ConfigureAwait(false))
        {
            return true;
        }

        // The open file has nothing new. If the path now names another file, the old one is finished: end its last
        // line, then start the new one from byte 0.
        if (!PathNamesAnotherFile())
        {
            return false;
        }

        _assembler.Flush(lines);
        CloseFile();
        DisposeWatcher(); // The directory itself may have been replaced too; a fresh watcher costs little.
        return true;
    }

    private async Task<bool> ReadChunkAsync(List<FollowedLine> lines, CancellationToken cancellationToken)
    {
        var handle = _handle!;
        if (RandomAccess.GetLength(handle) < _position)
        {
            // Truncated: what was buffered will never be completed in this file.
            _assembler.Flush(lines);
            _position = 0;
        }

        var read = await RandomAccess.ReadAsync(handle, _chunk, _position, cancellationToken).ConfigureAwait(false);
        if (read == 0)
        {
            return lines.Count > 0;
        }

        _position += read;
        _assembler.Append(_chunk.AsSpan(0, read), lines);
        return true;
    }

    private bool TryOpen()
    {
        try
        {
            _handle = File.OpenHandle(_path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return false;
        }

        _identity = FileIdentity.Of(_handle);
        _vanished = false;
        _position = 0;
        return true;
    }

    private bool PathNamesAnotherFile()
    {
        if (_identity is { } mine)
        {
            var current = FileIdentity.Of(_path);
            return current is not null && current != mine;
        }

        // Without file identities, a path that vanished and came back names a new file.
        if (!File.Exists(_path))
        {
            _vanished = true;
            return false;
        }

        return _vanished;
    }

    private void CloseFile()
    {
        _handle?.Dispose();
        _handle = null;
        _identity = null;
    }

    private void EnsureWatcher()
    {
        if (_watcherBroken)
        {
            _watcherBroken = false;
            DisposeWatcher();
        }

        if (_watcher is not null || _watcherUnavailable || !Directory.Exists(_directory))
        {
            return;
        }

        var watcher = new FileSystemWatcher(_directory, _fileName)
        {
            NotifyFilter = NotifyFilters.FileName | NotifyFilters.LastWrite | NotifyFilters.Size | NotifyFilters.CreationTime,
            IncludeSubdirectories = false,
        };
        watcher.Changed += OnChanged;
        watcher.Created += OnChanged;
        watcher.Deleted += OnChanged;
        watcher.Renamed += OnChanged;
        watcher.Error += OnError;
        try
        {
            watcher.EnableRaisingEvents = true;
            _watcher = watcher;
        }
        catch (Exception ex) when (ex is ArgumentException or FileNotFoundException or DirectoryNotFoundException)
        {
            // The directory vanished in between: try again on a later step.
            Release(watcher);
        }
        catch (Exception ex) when (ex is IOException or PlatformNotSupportedException or UnauthorizedAccessException)
        {
            // No watcher for this follower (for example the inotify instance limit is reached): polling alone.
            Release(watcher);
            _watcherUnavailable = true;
        }
    }

    private void DisposeWatcher()
    {
        if (_watcher is { } watcher)
        {
            _watcher = null;
            Release(watcher);
        }
    }

    private void Release(FileSystemWatcher watcher)
    {
        watcher.Changed -= OnChanged;
        watcher.Created -= OnChanged;
        watcher.Deleted -= OnChanged;
        watcher.Renamed -= OnChanged;
        watcher.Error -= OnError;
        watcher.Dispose();
    }

    // Watcher callbacks run on the watcher's thread: they must never throw.
    private void OnChanged(object sender, FileSystemEventArgs e) => Wake();

    private void OnError(object sender, ErrorEventArgs e)
    {
        _watcherBroken = true;
        Wake();
    }

    private void Wake()
    {
        try
        {
            _wake.Release();
        }
        catch (SemaphoreFullException)
        {
            // A wake-up is already pending.
        }
    }
}
