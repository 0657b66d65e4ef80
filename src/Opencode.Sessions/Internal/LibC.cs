using System.Runtime.InteropServices;

namespace Opencode.Sessions.Internal;

/// <summary>
/// The one place the library calls into the C library (Linux): source-generated P/Invoke declarations, each setting
/// <c>errno</c> for <see cref="Marshal.GetLastPInvokeError"/>. Callers own the semantics (flags, buffers, errors).
/// </summary>
internal static partial class LibC
{
    /// <summary><c>statx(2)</c>: fills <paramref name="buffer"/> (at least 256 bytes) with a <c>struct statx</c>.</summary>
    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    internal static partial int Statx(int directoryFd, string path, int flags, uint mask, byte[] buffer);

    /// <summary><c>open(2)</c>.</summary>
    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    internal static partial int Open(string path, int flags, int mode);

    /// <summary><c>openat(2)</c>.</summary>
    [LibraryImport("libc", EntryPoint = "openat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    internal static partial int OpenAt(int directoryFd, string path, int flags, int mode);

    /// <summary><c>syscall(2)</c> with four arguments (used for <c>openat2</c>, which glibc does not wrap).</summary>
    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    internal static partial long Syscall(long number, long argument1, IntPtr argument2, IntPtr argument3, long argument4);

    /// <summary><c>mkdirat(2)</c>.</summary>
    [LibraryImport("libc", EntryPoint = "mkdirat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    internal static partial int MkdirAt(int directoryFd, string path, uint mode);

    /// <summary><c>renameat(2)</c>.</summary>
    [LibraryImport("libc", EntryPoint = "renameat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    internal static partial int RenameAt(int fromDirectoryFd, string from, int toDirectoryFd, string to);

    /// <summary><c>unlinkat(2)</c>.</summary>
    [LibraryImport("libc", EntryPoint = "unlinkat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    internal static partial int UnlinkAt(int directoryFd, string path, int flags);

    /// <summary><c>fchmod(2)</c>.</summary>
    [LibraryImport("libc", EntryPoint = "fchmod", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    internal static partial int FChmod(int fd, uint mode);

    /// <summary><c>fsync(2)</c>.</summary>
    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    internal static partial int Fsync(int fd);

    /// <summary><c>close(2)</c>.</summary>
    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    internal static partial int Close(int fd);

    /// <summary><c>realpath(3)</c> with a <see langword="null"/> buffer: the result is allocated and must be passed to <see cref="Free"/>.</summary>
    [LibraryImport("libc", EntryPoint = "realpath", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    internal static partial IntPtr RealPath(string path, IntPtr resolved);

    /// <summary><c>free(3)</c>.</summary>
    [LibraryImport("libc", EntryPoint = "free")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    internal static partial void Free(IntPtr pointer);

    /// <summary><c>kill(2)</c> (a negative <paramref name="pid"/> signals a process group).</summary>
    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    internal static partial int Kill(int pid, int signal);
}
