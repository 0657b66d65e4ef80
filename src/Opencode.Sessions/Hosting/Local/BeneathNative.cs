using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using Opencode.Sessions.Internal;

namespace Opencode.Sessions.Hosting.Local;

/// <summary>
/// Linux descriptor-relative primitives for walking beneath a directory without following links: <c>openat2</c> with
/// <c>RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_SYMLINKS</c> (kernel 5.6+), else a component-by-component
/// <c>openat(…, O_NOFOLLOW | O_DIRECTORY)</c> walk; <c>mkdirat</c>, <c>renameat</c>, <c>unlinkat</c>, <c>fchmod</c>.
/// Errors that say why a path is refused become <see cref="UnsafeWorkdirPathException"/>; others are
/// <see cref="IOException"/>.
/// </summary>
internal static unsafe class BeneathNative
{
    private const int AtFdCwd = -100;
    private const long SysOpenat2 = 437; // the same number on every Linux architecture (asm-generic and x86 alike)
    private const ulong ResolveNoMagicLinks = 0x02;
    private const ulong ResolveNoSymlinks = 0x04;
    private const ulong ResolveBeneath = 0x08;
    private const int OWrOnly = 0x1;
    private const int OCreat = 0x40;
    private const int OExcl = 0x80;
    private const int ONonBlock = 0x800;
    private const int OCloExec = 0x80000;
    private const int EPERM = 1;
    private const int ENOENT = 2;
    private const int EINTR = 4;
    private const int E2BIG = 7;
    private const int EEXIST = 17;
    private const int EXDEV = 18;
    private const int ENOTDIR = 20;
    private const int EISDIR = 21;
    private const int ENOSYS = 38;
    private const int ELOOP = 40;
    private const int ENXIO = 6;

    private static volatile bool s_noOpenat2;

    /// <summary>Gets or sets a value that makes the walk skip <c>openat2</c>, as on kernels before 5.6 (tests only).</summary>
    internal static bool SimulateNoOpenat2 { get; set; }

    /// <summary>Opens the work directory itself; its last component must not be a symlink.</summary>
    public static SafeFileHandle OpenRoot(string workDirectory, string display)
    {
        var fd = OpenAt(AtFdCwd, workDirectory, ORdOnlyDirectory(), 0);
        return fd >= 0 ? new SafeFileHandle(fd, ownsHandle: true) : throw Refusal(display, Marshal.GetLastPInvokeError(), null, null);
    }

    /// <summary>
    /// Opens <paramref name="names"/> beneath <paramref name="root"/> for reading (<c>O_NOFOLLOW | O_NONBLOCK</c>: a FIFO
    /// opens at once instead of blocking). Every component is refused if it is a symlink.
    /// </summary>
    public static SafeFileHandle OpenFile(SafeFileHandle root, string[] names, string display)
    {
        var flags = OCloExec | ONonBlock | UnixSafeIo.NoFollowFlag();
        if (!s_noOpenat2 && !SimulateNoOpenat2)
        {
            var fd = Openat2(Fd(root), string.Join('/', names), flags, ResolveBeneath | ResolveNoMagicLinks | ResolveNoSymlinks);
            if (fd >= 0)
            {
                return new SafeFileHandle(fd, ownsHandle: true);
            }

            var errno = Marshal.GetLastPInvokeError();
            if (errno is not (ENOSYS or EPERM or E2BIG))
            {
                throw Refusal(display, errno, null, null);
            }

            s_noOpenat2 = true; // not available here (old kernel, or a seccomp filter that does not know it)
        }

        using var parent = OpenDirectories(root, names[..^1], create: false, display);
        var file = OpenAt(Fd(parent), names[^1], flags, 0);
        return file >= 0 ? new SafeFileHandle(file, ownsHandle: true) : throw Refusal(display, Marshal.GetLastPInvokeError(), parent, names[^1]);
    }

    /// <summary>Walks (and with <paramref name="create"/> creates, mode 0700) directories beneath <paramref name="root"/>, refusing symlinks.</summary>
    public static SafeFileHandle OpenDirectories(SafeFileHandle root, ReadOnlySpan<string> names, bool create, string display)
    {
        var current = OpenAt(Fd(root), ".", ORdOnlyDirectory(), 0);
        if (current < 0)
        {
            throw Refusal(display, Marshal.GetLastPInvokeError(), null, null);
        }

        var handle = new SafeFileHandle(current, ownsHandle: true);
        try
        {
            foreach (var name in names)
            {
                if (create && LibC.MkdirAt(Fd(handle), name, 0x1C0) != 0 && Marshal.GetLastPInvokeError() is var e && e != EEXIST)
                {
                    throw Refusal(display, e, handle, name);
                }

                var next = OpenAt(Fd(handle), name, ORdOnlyDirectory(), 0);
                if (next < 0)
                {
                    throw Refusal(display, Marshal.GetLastPInvokeError(), handle, name);
                }

                handle.Dispose();
                handle = new SafeFileHandle(next, ownsHandle: true);
            }

            return handle;
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>Creates a new file (<c>O_EXCL | O_NOFOLLOW</c>, mode 0600) in an open directory, for writing.</summary>
    public static SafeFileHandle CreateFile(SafeFileHandle directory, string name, string display)
    {
        var fd = OpenAt(Fd(directory), name, OWrOnly | OCreat | OExcl | OCloExec | UnixSafeIo.NoFollowFlag(), 0x180);
        return fd >= 0 ? new SafeFileHandle(fd, ownsHandle: true) : throw Refusal(display, Marshal.GetLastPInvokeError(), directory, name);
    }

    /// <summary>Sets the exact mode of an open file (<c>fchmod</c>: no umask, no path).</summary>
    public static void SetMode(SafeFileHandle file, UnixFileMode mode)
    {
        if (LibC.FChmod(Fd(file), (uint)mode) != 0)
        {
            throw Error("fchmod", Marshal.GetLastPInvokeError());
        }
    }

    /// <summary>Renames an entry over another within one open directory (<c>renameat</c>; a symlink target is replaced, not followed).</summary>
    public static void Rename(SafeFileHandle directory, string from, string to, string display)
    {
        if (LibC.RenameAt(Fd(directory), from, Fd(directory), to) != 0)
        {
            throw Refusal(display, Marshal.GetLastPInvokeError(), directory, to);
        }
    }

    /// <summary>Removes a file from an open directory, ignoring errors (cleanup).</summary>
    public static void TryUnlink(SafeFileHandle directory, string name) => _ = LibC.UnlinkAt(Fd(directory), name, 0);

    private static int ORdOnlyDirectory() => OCloExec | UnixSafeIo.NoFollowFlag() | UnixSafeIo.DirectoryFlag();

    private static Exception Refusal(string display, int errno, SafeFileHandle? directory, string? name)
    {
        var cause = Error("open", errno);
        switch (errno)
        {
            case ELOOP:
                return new UnsafeWorkdirPathException(display, UnsafeWorkdirPathReason.SymbolicLink, cause);
            case EXDEV:
                return new UnsafeWorkdirPathException(display, UnsafeWorkdirPathReason.EscapesWorkdir, cause);
            case ENOENT:
                return new UnsafeWorkdirPathException(display, UnsafeWorkdirPathReason.NotFound, cause);
            case ENXIO or EISDIR:
                return new UnsafeWorkdirPathException(display, UnsafeWorkdirPathReason.NotRegularFile, cause);
            case ENOTDIR or EEXIST:
                // O_NOFOLLOW|O_DIRECTORY on a symlink reports ENOTDIR on some kernels: ask what the entry is.
                var symlink = directory is not null && name is not null && IsSymlink(directory, name);
                return new UnsafeWorkdirPathException(display, symlink ? UnsafeWorkdirPathReason.SymbolicLink : UnsafeWorkdirPathReason.NotRegularFile, cause);
            default:
                return cause;
        }
    }

    private static bool IsSymlink(SafeFileHandle directory, string name)
    {
        try
        {
            return UnixSafeIo.LinkStatusAt(directory, name).IsSymbolicLink;
        }
        catch (IOException)
        {
            return false;
        }
    }

    private static IOException Error(string call, int errno) =>
        new($"{call} failed: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno}).", errno);

    private static int Fd(SafeFileHandle handle) => checked((int)handle.DangerousGetHandle());

    private static int OpenAt(int directory, string path, int flags, int mode)
    {
        if (!OperatingSystem.IsLinux() || UnixSafeIo.SimulateUnsupported)
        {
            throw new PlatformNotSupportedException("Opening work-directory files beneath a descriptor (openat, O_NOFOLLOW) is only implemented on Linux.");
        }

        int fd;
        do
        {
            fd = LibC.OpenAt(directory, path, flags, mode);
        }
        while (fd < 0 && Marshal.GetLastPInvokeError() == EINTR);
        return fd;
    }

    private static int Openat2(int directory, string path, int flags, ulong resolve)
    {
        var how = stackalloc ulong[3];
        how[0] = (ulong)flags;
        how[1] = 0;
        how[2] = resolve;
        var bytes = Marshal.StringToCoTaskMemUTF8(path);
        try
        {
            long fd;
            do
            {
                fd = LibC.Syscall(SysOpenat2, directory, bytes, (IntPtr)how, 24);
            }
            while (fd < 0 && Marshal.GetLastPInvokeError() == EINTR);
            return (int)fd;
        }
        catch (EntryPointNotFoundException)
        {
            Marshal.SetLastPInvokeError(ENOSYS);
            return -1;
        }
        finally
        {
            Marshal.FreeCoTaskMem(bytes);
        }
    }






}
