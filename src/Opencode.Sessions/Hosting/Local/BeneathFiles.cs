using Opencode.Sessions.Internal;

namespace Opencode.Sessions.Hosting.Local;

/// <summary>
/// Reads and writes files beneath a local work directory by descriptor (<see cref="BeneathNative"/>): no component may
/// be a symlink, the file read must be a regular file with one link, and it is read from the descriptor that was
/// checked — never re-opened by name, so nothing can be swapped in between.
/// </summary>
internal static class BeneathFiles
{
    /// <summary>Opens a regular, singly linked file beneath <paramref name="workDirectory"/> for reading.</summary>
    /// <exception cref="UnsafeWorkdirPathException">The path was refused (the reason says why).</exception>
    public static Stream OpenRead(string workDirectory, string relativePath)
    {
        var names = WorkdirRelativePath.Split(relativePath);
        using var root = BeneathNative.OpenRoot(workDirectory, relativePath);
        var handle = BeneathNative.OpenFile(root, names, relativePath);
        try
        {
            var status = UnixSafeIo.Status(handle);
            if (!status.IsRegularFile)
            {
                throw new UnsafeWorkdirPathException(relativePath, UnsafeWorkdirPathReason.NotRegularFile);
            }

            if (status.LinkCount > 1)
            {
                throw new UnsafeWorkdirPathException(relativePath, UnsafeWorkdirPathReason.HardLink);
            }

            return new FileStream(handle, FileAccess.Read, bufferSize: 0);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Writes a file beneath <paramref name="workDirectory"/>: parent directories are created (0700) and opened by
    /// descriptor without following links, the content goes to a new temporary file in that directory, which gets
    /// <paramref name="mode"/> and is renamed over the name within the same directory descriptor.
    /// </summary>
    /// <exception cref="UnsafeWorkdirPathException">The path was refused (the reason says why).</exception>
    public static async Task WriteAsync(string workDirectory, string relativePath, Stream content, UnixFileMode mode, CancellationToken cancellationToken)
    {
        var names = WorkdirRelativePath.Split(relativePath);
        using var root = BeneathNative.OpenRoot(workDirectory, relativePath);
        using var directory = BeneathNative.OpenDirectories(root, names.AsSpan(0, names.Length - 1), create: true, relativePath);
        var temporary = $".ocs-{Guid.NewGuid():N}.tmp";
        try
        {
            var file = new FileStream(BeneathNative.CreateFile(directory, temporary, relativePath), FileAccess.Write, bufferSize: 0);
            await using (file.ConfigureAwait(false))
            {
                await content.CopyToAsync(file, 128 * 1024, cancellationToken).ConfigureAwait(false);
                await file.FlushAsync(cancellationToken).ConfigureAwait(false);
                BeneathNative.SetMode(file.SafeFileHandle, mode);
            }

            BeneathNative.Rename(directory, temporary, names[^1], relativePath);
        }
        catch
        {
            BeneathNative.TryUnlink(directory, temporary);
            throw;
        }
    }
}
