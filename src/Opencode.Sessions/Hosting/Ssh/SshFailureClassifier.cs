namespace Opencode.Sessions.Hosting.Ssh;

/// <summary>Tells why ssh failed from what it printed on standard error (OpenSSH's messages are stable across versions).</summary>
internal static class SshFailureClassifier
{
    private static readonly string[] HostKeyChanged =
    [
        "REMOTE HOST IDENTIFICATION HAS CHANGED",
        "has changed and you have requested strict checking",
    ];

    private static readonly string[] HostKeyUnknown =
    [
        "host key is known for",                // "No ED25519 host key is known for X and you have requested strict checking."
        "Host key verification failed",
    ];

    private static readonly string[] Authentication =
    [
        "Permission denied",
        "Too many authentication failures",
        "no mutual signature algorithm",
        "Load key",                             // "Load key \"x\": invalid format" / "bad permissions"
        "Authentication failed",
    ];

    private static readonly string[] Unreachable =
    [
        "Could not resolve hostname",
        "Connection refused",
        "Connection timed out",
        "timed out during banner exchange",
        "No route to host",
        "Network is unreachable",
        "Name or service not known",
        "Temporary failure in name resolution",
        "Operation timed out",
        "port 65535",                           // a failed ProxyCommand/ProxyJump hop
    ];

    private static readonly string[] Lost =
    [
        "closed by remote host",
        "Connection reset",
        "Broken pipe",
        "Timeout, server",                      // ServerAliveCountMax exceeded
        "client_loop: send disconnect",
        "mux_client",                           // the control master went away under a session
        "Control socket connect",
        "master is not running",
        "kex_exchange_identification",          // the fallback after a missing master was blocked
    ];

    /// <summary>Classifies ssh's standard error; <see cref="SshFailureKind.Other"/> when nothing matches.</summary>
    public static SshFailureKind Classify(string? standardError)
    {
        if (string.IsNullOrEmpty(standardError))
        {
            return SshFailureKind.Other;
        }

        // Order matters: a changed key also prints "Host key verification failed".
        if (ContainsAny(standardError, HostKeyChanged))
        {
            return SshFailureKind.HostKeyChanged;
        }

        if (ContainsAny(standardError, HostKeyUnknown))
        {
            return SshFailureKind.HostKeyUnknown;
        }

        if (ContainsAny(standardError, Authentication))
        {
            return SshFailureKind.AuthenticationFailed;
        }

        if (ContainsAny(standardError, Unreachable))
        {
            return SshFailureKind.Unreachable;
        }

        return ContainsAny(standardError, Lost) ? SshFailureKind.ConnectionLost : SshFailureKind.Other;
    }

    private static bool ContainsAny(string text, string[] needles) =>
        needles.Any(n => text.Contains(n, StringComparison.OrdinalIgnoreCase));
}
