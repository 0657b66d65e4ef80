namespace Opencode.Sessions.Hosting.Ssh;

/// <summary>How the SSH client treats host keys.</summary>
public enum SshHostKeyPolicy
{
    /// <summary>The key must already be in known_hosts; unknown and changed keys are refused.</summary>
    Verify,

    /// <summary>Unknown keys are added to known_hosts on first use; changed keys are still refused.</summary>
    AcceptNew,

    /// <summary>No verification at all. For tests and labs only: it allows man-in-the-middle attacks.</summary>
    Insecure,
}
