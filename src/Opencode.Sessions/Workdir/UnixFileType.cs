using System.Runtime.InteropServices;

using Opencode.Sessions.Internal;

namespace Opencode.Sessions.Workdir;

/// <summary>The kind of a directory entry, as <c>lstat</c> sees it (symlinks are not followed).</summary>
internal enum UnixFileKind
{
    /// <summary>The kind could not be determined on this platform.</summary>
    Unknown,

    /// <summary>A regular file.</summary>
    RegularFile,

    /// <summary>A directory.</summary>
    Directory,

    /// <summary>A symbolic link.</summary>
    SymbolicLink,

    /// <summary>A FIFO, socket, character or block device.</summary>
    Special,

    /// <summary>The entry no longer exists.</summary>
    Missing,
}

/// <summary>
/// Tells regular files from FIFOs, sockets and devices, which .NET's file-system API does not expose. Uses Linux
/// <c>statx</c>, whose structure layout is the same on every architecture.
/// </summary>
internal static class UnixFileType
{
    private const int AtFdCwd = -100;
    private const int AtSymlinkNoFollow = 0x100;
    private const uint StatxType = 0x1;
    private const int ModeOffset = 28;
    private const int ENOENT = 2;
    private const int ENOTDIR = 20;

    private static volatile bool s_unavailable = !OperatingSystem.IsLinux();

    /// <summary>Returns the kind of <paramref name="path"/> without following a final symlink.</summary>
    public static UnixFileKind Get(string path)
    {
        if (s_unavailable)
        {
            return UnixFileKind.Unknown;
        }

        var buffer = new byte[256];
        int result;
        try
        {
            result = LibC.Statx(AtFdCwd, path, AtSymlinkNoFollow, StatxType, buffer);
        }
        catch (EntryPointNotFoundException)
        {
            s_unavailable = true;
            return UnixFileKind.Unknown;
        }

        if (result != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            if (errno is ENOENT or ENOTDIR)
            {
                return UnixFileKind.Missing;
            }

            // ENOSYS (kernels before 4.11, some sandboxes): fall back to what .NET can tell.
            s_unavailable = errno == 38;
            return UnixFileKind.Unknown;
        }

        var mode = BitConverter.ToUInt16(buffer, ModeOffset) & 0xF000;
        return mode switch
        {
            0x8000 => UnixFileKind.RegularFile,
            0x4000 => UnixFileKind.Directory,
            0xA000 => UnixFileKind.SymbolicLink,
            _ => UnixFileKind.Special,
        };
    }

}
