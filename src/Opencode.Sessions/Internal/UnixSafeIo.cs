using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Opencode.Sessions.Internal;

/// <summary>What <c>statx</c> reports about a file: type, link count, size, identity and modification time.</summary>
internal readonly record struct UnixFileStatus(uint Mode, uint LinkCount, long Size, ulong DeviceMajor, ulong DeviceMinor, ulong Inode, DateTimeOffset LastWriteTime)
{
    public bool IsRegularFile => (Mode & 0xF000) == 0x8000;

    public bool IsDirectory => (Mode & 0xF000) == 0x4000;

    public bool IsSymbolicLink => (Mode & 0xF000) == 0xA000;

    public UnixFileMode Permissions => (UnixFileMode)(Mode & 0xFFF);

    public bool SameFileAs(UnixFileStatus other) =>
        DeviceMajor == other.DeviceMajor && DeviceMinor == other.DeviceMinor && Inode == other.Inode;
}

/// <summary>
/// Fail-closed Linux primitives for handling files an untrusted agent (or user) controls: <c>statx</c> without
/// following links, <c>open</c> with <c>O_NOFOLLOW|O_NONBLOCK</c>, <c>fstat</c> of the opened descriptor, and
/// <c>realpath</c>. Every failure is an <see cref="IOException"/>; a platform without these primitives gets
/// <see cref="PlatformNotSupportedException"/> — never a silent fallback to an unsafe path.
/// </summary>
internal static class UnixSafeIo
{
    private const int AtFdCwd = -100;
    private const int AtSymlinkNoFollow = 0x100;
    private const int AtEmptyPath = 0x1000;
    private const uint StatxBasicStats = 0x7FF;
    private const int ORdOnly = 0;
    private const int ONonBlock = 0x800;
    private const int OCloExec = 0x80000;

    /// <summary>Gets or sets a value that makes every call fail as on an unsupported platform (tests only).</summary>
    internal static bool SimulateUnsupported { get; set; }

    /// <summary><c>lstat</c>: the status of <paramref name="path"/> itself (a symlink is reported, not followed).</summary>
    public static UnixFileStatus LinkStatus(string path) => Statx(AtFdCwd, path, AtSymlinkNoFollow, path);

    /// <summary><c>fstat</c>: the status of an open descriptor.</summary>
    public static UnixFileStatus Status(SafeFileHandle handle)
    {
        var added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            return Statx(checked((int)handle.DangerousGetHandle()), string.Empty, AtEmptyPath, "(descriptor)");
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }

    /// <summary><c>fstatat(dirfd, name, AT_SYMLINK_NOFOLLOW)</c>: the status of an entry of an open directory, not followed.</summary>
    public static UnixFileStatus LinkStatusAt(SafeFileHandle directory, string name)
    {
        var added = false;
        try
        {
            directory.DangerousAddRef(ref added);
            return Statx(checked((int)directory.DangerousGetHandle()), name, AtSymlinkNoFollow, name);
        }
        finally
        {
            if (added)
            {
                directory.DangerousRelease();
            }
        }
    }

    /// <summary>Opens <paramref name="path"/> read-only without following a final symlink and without blocking on FIFOs.</summary>
    public static SafeFileHandle OpenReadNoFollow(string path, bool directory = false)
    {
        var flags = ORdOnly | ONonBlock | OCloExec | NoFollowFlag() | (directory ? DirectoryFlag() : 0);
        var fd = Open(path, flags, 0);
        if (fd < 0)
        {
            throw Error("open", path);
        }

        return new SafeFileHandle(fd, ownsHandle: true);
    }

    /// <summary>The canonical absolute path with every symlink resolved.</summary>
    public static string RealPath(string path) =>
        TryRealPath(path, out var resolved, out _) ? resolved : throw Error("realpath", path);

    /// <summary><c>realpath(3)</c>: the canonical absolute path of an existing path, or <see langword="false"/> and the errno.</summary>
    public static bool TryRealPath(string path, out string resolved, out int error)
    {
        EnsureSupported();
        var pointer = LibC.RealPath(path, IntPtr.Zero);
        if (pointer == IntPtr.Zero)
        {
            error = Marshal.GetLastPInvokeError();
            resolved = string.Empty;
            return false;
        }

        try
        {
            error = 0;
            resolved = Marshal.PtrToStringUTF8(pointer) ?? throw new IOException($"realpath returned nothing for {path}.");
            return true;
        }
        finally
        {
            LibC.Free(pointer);
        }
    }

    /// <summary>The path through which an open directory descriptor can be used (<c>/proc/self/fd/N</c>, else <c>/dev/fd/N</c>).</summary>
    public static string DescriptorPath(SafeFileHandle directory)
    {
        var fd = directory.DangerousGetHandle().ToInt64();
        foreach (var candidate in new[] { $"/proc/self/fd/{fd}", $"/dev/fd/{fd}" })
        {
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new PlatformNotSupportedException("Neither /proc/self/fd nor /dev/fd can reach an open directory; refusing to write uploads by path.");
    }

    private static UnixFileStatus Statx(int directoryFd, string path, int flags, string display)
    {
        EnsureSupported();
        var buffer = new byte[256];
        int result;
        try
        {
            result = LibC.Statx(directoryFd, path, flags, StatxBasicStats, buffer);
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
        {
            throw new PlatformNotSupportedException("statx is not available; file safety cannot be verified.", e);
        }

        if (result != 0)
        {
            throw Error("statx", display);
        }

        var span = buffer.AsSpan();
        return new UnixFileStatus(
            Mode: MemoryMarshal.Read<ushort>(span[28..]),
            LinkCount: MemoryMarshal.Read<uint>(span[16..]),
            Size: checked((long)MemoryMarshal.Read<ulong>(span[40..])),
            DeviceMajor: MemoryMarshal.Read<uint>(span[136..]),
            DeviceMinor: MemoryMarshal.Read<uint>(span[140..]),
            Inode: MemoryMarshal.Read<ulong>(span[32..]),
            LastWriteTime: DateTimeOffset.FromUnixTimeSeconds(MemoryMarshal.Read<long>(span[112..])).AddTicks(MemoryMarshal.Read<uint>(span[120..]) / 100));
    }

    /// <summary><c>O_NOFOLLOW</c> for this architecture.</summary>
    internal static int NoFollowFlag() => System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture switch
    {
        Architecture.X64 or Architecture.X86 => 0x20000,
        Architecture.Arm64 or Architecture.Arm => 0x8000,
        var other => throw new PlatformNotSupportedException($"O_NOFOLLOW is not known for {other}; refusing to open untrusted files."),
    };

    /// <summary><c>O_DIRECTORY</c> for this architecture.</summary>
    internal static int DirectoryFlag() => System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture switch
    {
        Architecture.X64 or Architecture.X86 => 0x10000,
        Architecture.Arm64 or Architecture.Arm => 0x4000,
        var other => throw new PlatformNotSupportedException($"O_DIRECTORY is not known for {other}."),
    };

    private static void EnsureSupported()
    {
        if (SimulateUnsupported || !OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException("Safe file access (statx, O_NOFOLLOW, O_NONBLOCK) is only implemented on Linux.");
        }
    }

    private static int Open(string path, int flags, int mode)
    {
        EnsureSupported();
        return LibC.Open(path, flags, mode);
    }

    private static IOException Error(string call, string path)
    {
        var errno = Marshal.GetLastPInvokeError();
        return new IOException($"{call} failed for {path}: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno}).", errno);
    }




}
