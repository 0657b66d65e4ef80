using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

using Opencode.Sessions.Internal;

namespace Opencode.Sessions.Hosting.Local;

/// <summary>
/// The identity of a file (device and inode), used to notice that a followed path now names another file (rotation,
/// rename-over). Read with Linux <c>statx(2)</c>, whose buffer layout is the same on every architecture; elsewhere (or
/// if the call is unavailable) there is no identity and callers fall back to size checks.
/// </summary>
internal readonly record struct FileIdentity(ulong DeviceMajor, ulong DeviceMinor, ulong Inode)
{
    private const int AtFdCwd = -100;
    private const int AtEmptyPath = 0x1000;
    private const uint StatxIno = 0x100;
    private const int StatxBufferSize = 256;
    private const int InodeOffset = 32;
    private const int DeviceMajorOffset = 136;
    private const int DeviceMinorOffset = 140;

    private static volatile bool s_unsupported = !OperatingSystem.IsLinux();

    /// <summary>Gets the identity of the file a path names (symlinks followed), or <see langword="null"/>.</summary>
    public static FileIdentity? Of(string path) => s_unsupported ? null : Query(AtFdCwd, path, 0);

    /// <summary>Gets the identity of an open file, or <see langword="null"/>.</summary>
    public static FileIdentity? Of(SafeFileHandle handle)
    {
        if (s_unsupported || handle.IsInvalid || handle.IsClosed)
        {
            return null;
        }

        var added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            return Query(checked((int)handle.DangerousGetHandle()), string.Empty, AtEmptyPath);
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }

    private static FileIdentity? Query(int directoryFd, string path, int flags)
    {
        var buffer = new byte[StatxBufferSize];
        try
        {
            if (LibC.Statx(directoryFd, path, flags, StatxIno, buffer) != 0)
            {
                return null;
            }
        }
        catch (Exception ex) when (ex is EntryPointNotFoundException or DllNotFoundException)
        {
            s_unsupported = true;
            return null;
        }

        // The buffer holds native-endian integers.
        var mask = MemoryMarshal.Read<uint>(buffer);
        if ((mask & StatxIno) == 0)
        {
            return null;
        }

        return new FileIdentity(
            MemoryMarshal.Read<uint>(buffer.AsSpan(DeviceMajorOffset)),
            MemoryMarshal.Read<uint>(buffer.AsSpan(DeviceMinorOffset)),
            MemoryMarshal.Read<ulong>(buffer.AsSpan(InodeOffset)));
    }

}
