namespace Opencode.Sessions.Hosting;

/// <summary>
/// How to reach a remote host over SSH. The system OpenSSH client is used, so keys, agents, <c>~/.ssh/config</c> and
/// ProxyJump work as they do on the command line.
/// </summary>
/// <param name="Host">Host name or address.</param>
public sealed record SshConfig(string Host)
{
    /// <summary>Gets the TCP port. Default 22.</summary>
    public int Port { get; init; } = 22;

    /// <summary>Gets the remote user name, or <see langword="null"/> for the client's default.</summary>
    public string? User { get; init; }

    /// <summary>Gets private key files to offer (passed as <c>-i</c>); empty = the client's defaults and agent.</summary>
    public IReadOnlyList<string> IdentityFiles { get; init; } = [];

    /// <summary>Gets the known_hosts file used to verify the host key, or <see langword="null"/> for the client's default.</summary>
    public string? KnownHostsFile { get; init; }

    /// <summary>Gets how an unknown or changed host key is treated. Default <see cref="SshHostKeyPolicy.Verify"/>.</summary>
    public SshHostKeyPolicy HostKeyPolicy { get; init; } = SshHostKeyPolicy.Verify;

    /// <summary>Gets an ssh_config file passed with <c>-F</c>, or <see langword="null"/> for the user's default.</summary>
    public string? ConfigFile { get; init; }

    /// <summary>Gets extra <c>-o Key=Value</c> options (for example <c>ProxyJump</c>).</summary>
    public IReadOnlyDictionary<string, string> Options { get; init; } = new Dictionary<string, string>();

    /// <summary>Gets the connect timeout. Default 15 s.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>Gets the path of the ssh executable. Default <c>ssh</c> from PATH.</summary>
    public string SshExecutable { get; init; } = "ssh";

    /// <summary>Gets the remote task root, or <see langword="null"/> for <c>/tmp/opencode-sessions-&lt;user&gt;</c>.</summary>
    public string? RemoteTaskRoot { get; init; }

    /// <summary>Gets the local address the widget tunnel binds to. Default 127.0.0.1.</summary>
    public string TunnelBindAddress { get; init; } = "127.0.0.1";

    /// <summary>Returns <c>user@host:port</c>.</summary>
    /// <returns>A description without secrets.</returns>
    public override string ToString() => (User is null ? "" : User + "@") + Host + ":" + Port;
}
