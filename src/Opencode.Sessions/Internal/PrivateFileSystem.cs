using System.Runtime.InteropServices;

namespace Opencode.Sessions.Internal;

/// <summary>File-system helpers for data only the current user may read: 0700 directories, 0600 files, durable renames.</summary>
internal static class PrivateFileSystem
{
    private const UnixFileMode DirectoryMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode FileMode600 = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>Creates a directory and each missing parent with mode 0700; existing ones are left as they are.</summary>
    public static void CreateDirectory(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(path);
            return;
        }

        // Directory.CreateDirectory(path, mode) gives the mode to the last directory only; parents would get 0755.
        var missing = new Stack<string>();
        for (var current = Path.GetFullPath(path); !Directory.Exists(current); current = Path.GetDirectoryName(current)!)
        {
            missing.Push(current);
        }

        while (missing.TryPop(out var directory))
        {
            Directory.CreateDirectory(directory, DirectoryMode);
        }
    }

    /// <summary>Options for a new private file (mode 0600, must not exist yet).</summary>
    public static FileStreamOptions NewFileOptions(int bufferSize = 81920)
    {
        var options = new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            Share = FileShare.None,
            BufferSize = bufferSize,
        };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = FileMode600;
        }

        return options;
    }

    /// <summary>Options to open an existing file for sequential reading.</summary>
    public static FileStreamOptions ReadOptions() => new()
    {
        Mode = FileMode.Open,
        Access = FileAccess.Read,
        Share = FileShare.Read | FileShare.Delete,
        BufferSize = 81920,
        Options = FileOptions.SequentialScan,
    };

    /// <summary>Deletes a file if it exists; returns whether it did.</summary>
    public static bool TryDeleteFile(string path)
    {
        try
        {
            if (!File.Exists(path))
            {
                return false;
            }

            File.Delete(path);
            return true;
        }
        catch (FileNotFoundException)
        {
            return false;
        }
        catch (DirectoryNotFoundException)
        {
            return false;
        }
    }

    /// <summary>
    /// Flushes a directory's entries to disk (fsync on the directory), so a rename or unlink survives a power loss.
    /// A no-op on Windows, where NTFS journals metadata and directories cannot be opened this way.
    /// </summary>
    public static void SyncDirectory(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        // .NET cannot open a directory as a FileStream, so this goes to libc: open(O_RDONLY) works on directories on
        // Linux and macOS, and fsync on that descriptor commits the directory's entries.
        var fd = LibC.Open(path, 0, 0);
        if (fd < 0)
        {
            throw new IOException($"Could not open directory '{path}' to sync it (errno {Marshal.GetLastPInvokeError()}).");
        }

        try
        {
            if (LibC.Fsync(fd) != 0)
            {
                var errno = Marshal.GetLastPInvokeError();

                // EINVAL: the file system does not support syncing directories (some network and FUSE file systems).
                if (errno != 22)
                {
                    throw new IOException($"Could not sync directory '{path}' (errno {errno}).");
                }
            }
        }
        finally
        {
            _ = LibC.Close(fd);
        }
    }



}
