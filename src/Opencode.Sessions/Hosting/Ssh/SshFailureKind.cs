namespace Opencode.Sessions.Hosting.Ssh;

/// <summary>Why an SSH connection failed (see <see cref="SshConnectionException"/>).</summary>
public enum SshFailureKind
{
    /// <summary>Something else went wrong; the message carries what ssh said.</summary>
    Other,

    /// <summary>The host could not be reached: name not resolved, connection refused or timed out.</summary>
    Unreachable,

    /// <summary>The server refused every key offered (or the key file could not be used).</summary>
    AuthenticationFailed,

    /// <summary>The server's host key is not in known_hosts and the policy requires it to be.</summary>
    HostKeyUnknown,

    /// <summary>The server's host key differs from the one in known_hosts: possibly a man-in-the-middle attack.</summary>
    HostKeyChanged,

    /// <summary>An established connection dropped (network failure, sshd restart, the session was killed).</summary>
    ConnectionLost,
}
