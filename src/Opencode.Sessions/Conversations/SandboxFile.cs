using Microsoft.Win32.SafeHandles;
using Opencode.Sessions.Internal;

namespace Opencode.Sessions.Conversations;

/// <summary>
/// One top-level file of a <see cref="Sandbox"/>, read defensively because the agent controls the directory: the
/// entry must be a regular file (not a symlink) with a single link, its real path must lie inside the sandbox, it
/// is opened with <c>O_NOFOLLOW|O_NONBLOCK</c>, and the opened descriptor must still be the same regular,
/// single-link file within the size cap; at most cap + 1 bytes are read, so a growing file is rejected. Any OS
/// error counts as unsafe; platforms without these primitives (anything but Linux) fail closed.
/// </summary>
public sealed class SandboxFile
{
    private readonly string _sandboxPrefix;

    internal SandboxFile(string path, string sandboxPrefix, long maxBytes)
    {
        Path = path;
        _sandboxPrefix = sandboxPrefix;
        MaxBytes = maxBytes;
    }

    /// <summary>Gets the absolute path.</summary>
    public string Path { get; }

    /// <summary>Gets the file name.</summary>
    public string FileName => System.IO.Path.GetFileName(Path);

    /// <summary>Gets the size cap in bytes.</summary>
    public long MaxBytes { get; }

    /// <summary>Gets the media type guessed from the name.</summary>
    public string ContentType => ContentTypes.ForFileName(FileName);

    /// <summary>Test seam: runs after the path checks, before <c>open</c> (to swap the entry).</summary>
    internal Action? BeforeOpen { get; set; }

    /// <summary>Test seam: runs after the descriptor checks, before reading (to grow the file).</summary>
    internal Action? BeforeRead { get; set; }

    /// <summary>Runs every safety check without reading the content.</summary>
    /// <returns>True when the file is safe to read now.</returns>
    public bool IsSafe()
    {
        try
        {
            using var handle = OpenChecked(out _);
            return true;
        }
        catch (UnsafeSandboxFileException)
        {
            return false;
        }
    }

    /// <summary>Re-runs the safety checks and reads the whole file.</summary>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The bytes.</returns>
    /// <exception cref="UnsafeSandboxFileException">A check failed, or the file grew past the cap while being read.</exception>
    public async Task<byte[]> ReadAllBytesAsync(CancellationToken cancellationToken = default)
    {
        using var handle = OpenChecked(out var status);
        BeforeRead?.Invoke();
        var buffer = new byte[checked((int)Math.Min(MaxBytes + 1, Math.Max(status.Size, 0) + 1))];
        var total = 0;
        try
        {
            while (true)
            {
                if (total == buffer.Length)
                {
                    if (total > MaxBytes)
                    {
                        throw new UnsafeSandboxFileException($"Sandbox file exceeds the {MaxBytes}-byte limit while reading: {FileName}");
                    }

                    Array.Resize(ref buffer, (int)Math.Min(MaxBytes + 1, (long)buffer.Length * 2));
                }

                var read = await RandomAccess.ReadAsync(handle, buffer.AsMemory(total), total, cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    break;
                }

                total += read;
            }
        }
        catch (IOException e)
        {
            throw new UnsafeSandboxFileException($"Unsafe sandbox file {FileName}: {e.Message}", e);
        }

        if (total > MaxBytes)
        {
            throw new UnsafeSandboxFileException($"Sandbox file exceeds the {MaxBytes}-byte limit while reading: {FileName}");
        }

        return buffer.AsSpan(0, total).ToArray();
    }

    /// <summary>Reads the file as an <see cref="Artifact"/> (identity conversion).</summary>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The artifact.</returns>
    /// <exception cref="UnsafeSandboxFileException">A check failed.</exception>
    public async Task<Artifact> ToArtifactAsync(CancellationToken cancellationToken = default) =>
        new(FileName, await ReadAllBytesAsync(cancellationToken).ConfigureAwait(false), ContentType);

    /// <summary>Returns the path.</summary>
    /// <returns>The path.</returns>
    public override string ToString() => Path;

    private SafeFileHandle OpenChecked(out UnixFileStatus opened)
    {
        SafeFileHandle? handle = null;
        try
        {
            var before = UnixSafeIo.LinkStatus(Path);
            if (!before.IsRegularFile || before.LinkCount != 1)
            {
                throw new UnsafeSandboxFileException($"Unsafe sandbox file (not a single-link regular file): {FileName}");
            }

            if (!UnixSafeIo.RealPath(Path).StartsWith(_sandboxPrefix, StringComparison.Ordinal))
            {
                throw new UnsafeSandboxFileException($"Sandbox file escapes its root: {FileName}");
            }

            BeforeOpen?.Invoke();
            handle = UnixSafeIo.OpenReadNoFollow(Path);
            opened = UnixSafeIo.Status(handle);
            if (!opened.IsRegularFile || opened.LinkCount != 1 || !opened.SameFileAs(before))
            {
                throw new UnsafeSandboxFileException($"Sandbox file changed while opening: {FileName}");
            }

            if (opened.Size > MaxBytes)
            {
                throw new UnsafeSandboxFileException($"Sandbox file exceeds the {MaxBytes}-byte limit: {FileName}");
            }

            return handle;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or PlatformNotSupportedException)
        {
            handle?.Dispose();
            throw new UnsafeSandboxFileException($"Unsafe sandbox file {FileName}: {e.Message}", e);
        }
        catch
        {
            handle?.Dispose();
            throw;
        }
    }
}
