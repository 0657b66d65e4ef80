using System.Runtime.InteropServices;

using Opencode.Sessions.Internal;

namespace Opencode.Sessions.Hosting.Local;

/// <summary>Signals to whole process groups on Unix (a process started through <c>setsid</c> leads its own group).</summary>
internal static partial class ProcessGroup
{
    public const int SigKill = 9;
    public const int SigTerm = 15;
    private const int NoSuchProcess = 3; // ESRCH

    /// <summary>Sends <paramref name="signal"/> to every process of group <paramref name="groupId"/>.</summary>
    /// <returns><see langword="false"/> when the group no longer exists.</returns>
    public static bool Signal(int groupId, int signal)
    {
        if (groupId <= 1)
        {
            throw new ArgumentOutOfRangeException(nameof(groupId), groupId, "Refusing to signal a group id <= 1.");
        }

        if (LibC.Kill(-groupId, signal) == 0)
        {
            return true;
        }

        var errno = Marshal.GetLastPInvokeError();
        if (errno == NoSuchProcess)
        {
            return false;
        }

        // EPERM and friends: fall back to the leader alone, as the original did.
        return LibC.Kill(groupId, signal) == 0;
    }

    /// <summary>Whether any process of the group is still alive (zombies count until reaped).</summary>
    public static bool Exists(int groupId) => groupId > 1 && (LibC.Kill(-groupId, 0) == 0 || Marshal.GetLastPInvokeError() != NoSuchProcess);

}
