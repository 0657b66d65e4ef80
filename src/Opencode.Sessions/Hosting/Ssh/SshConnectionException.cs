namespace Opencode.Sessions.Hosting.Ssh;

/// <summary>The SSH connection to a host could not be established, or it was lost while in use.</summary>
public sealed class SshConnectionException : OpencodeSessionsException
{
    /// <summary>Initializes a new instance.</summary>
    /// <param name="kind">What went wrong.</param>
    /// <param name="target">The target as <c>user@host:port</c> (never contains secrets).</param>
    /// <param name="detail">What was being done when it happened, or <see langword="null"/>.</param>
    /// <param name="sshOutput">What ssh printed on standard error (its tail is kept), or <see langword="null"/>.</param>
    /// <param name="innerException">The underlying cause, or <see langword="null"/>.</param>
    public SshConnectionException(SshFailureKind kind, string target, string? detail = null, string? sshOutput = null, Exception? innerException = null)
        : base(BuildMessage(kind, target, detail, Tail(sshOutput)), innerException)
    {
        ArgumentNullException.ThrowIfNull(target);
        Kind = kind;
        Target = target;
        SshOutput = Tail(sshOutput);
    }

    /// <summary>Gets what went wrong.</summary>
    public SshFailureKind Kind { get; }

    /// <summary>Gets the target as <c>user@host:port</c>.</summary>
    public string Target { get; }

    /// <summary>Gets the last lines ssh printed on standard error (empty when it printed nothing).</summary>
    public string SshOutput { get; }

    private static string BuildMessage(SshFailureKind kind, string target, string? detail, string sshOutput)
    {
        var (cause, fix) = kind switch
        {
            SshFailureKind.Unreachable => (
                "the host is unreachable",
                "Check the host name, the port and the network path (firewall, VPN, ProxyJump in SshConfig.ConfigFile or SshConfig.Options); raise SshConfig.ConnectTimeout for slow links."),
            SshFailureKind.AuthenticationFailed => (
                "authentication failed: the server refused every key offered",
                "Check SshConfig.User and SshConfig.IdentityFiles (or the ssh agent), and that the public key is in the remote user's authorized_keys. Passwords are not supported (BatchMode=yes)."),
            SshFailureKind.HostKeyUnknown => (
                "the server's host key is not in known_hosts, and host keys are verified",
                "Add the host key to the known_hosts file (SshConfig.KnownHostsFile) after checking its fingerprint, e.g. ssh-keyscan -p PORT HOST >> known_hosts; or use SshHostKeyPolicy.AcceptNew to trust it on first use."),
            SshFailureKind.HostKeyChanged => (
                "the server's host key does NOT match known_hosts: this may be a man-in-the-middle attack, so the connection was refused",
                "If the key change is legitimate (the server was reinstalled), remove the old entry with ssh-keygen -R '[HOST]:PORT' -f KNOWN_HOSTS and add the new key after checking its fingerprint."),
            SshFailureKind.ConnectionLost => (
                "the connection was lost",
                "The network dropped, sshd restarted, or the session was killed on the server. Processes started over this connection were stopped; run the task again."),
            _ => (
                "ssh failed",
                "See what ssh said below; run ssh -v with the same options to investigate."),
        };

        var message = $"SSH to {target}: {cause}" + (string.IsNullOrEmpty(detail) ? "." : $" ({detail}).") + Environment.NewLine + fix;
        return sshOutput.Length == 0 ? message : message + Environment.NewLine + "ssh said: " + sshOutput;
    }

    private static string Tail(string? output)
    {
        if (string.IsNullOrWhiteSpace(output))
        {
            return "";
        }

        // The changed-host-key banner is long and decorative; keep the informative lines only.
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(l => !l.StartsWith('@'))
            .TakeLast(8);
        var text = string.Join(Environment.NewLine, lines);
        return text.Length <= 2000 ? text : "…" + text[^2000..];
    }
}
