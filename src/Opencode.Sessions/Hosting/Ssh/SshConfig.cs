using System.Net;
using System.Text.RegularExpressions;

namespace Opencode.Sessions.Hosting.Ssh;

/// <summary>
/// How to reach a remote host over SSH. The system OpenSSH client (<c>ssh</c>) is used, so keys, agents,
/// <c>~/.ssh/config</c> and ProxyJump work as they do on the command line. Authentication is non-interactive
/// (<c>BatchMode=yes</c>): keys or an agent, never passwords typed at a prompt.
/// </summary>
/// <param name="Host">Host name or address (an alias from the ssh_config file works too).</param>
public sealed partial record SshConfig(string Host)
{
    /// <summary>Gets the TCP port. Default 22.</summary>
    public int Port { get; init; } = 22;

    /// <summary>Gets the remote user name, or <see langword="null"/> for the client's default.</summary>
    public string? User { get; init; }

    /// <summary>
    /// Gets private key files to offer (passed as <c>-i</c> with <c>IdentitiesOnly=yes</c>); empty = the client's
    /// defaults and agent.
    /// </summary>
    public IReadOnlyList<string> IdentityFiles { get; init; } = [];

    /// <summary>Gets the known_hosts file used to verify the host key, or <see langword="null"/> for the client's default.</summary>
    public string? KnownHostsFile { get; init; }

    /// <summary>Gets how an unknown or changed host key is treated. Default <see cref="SshHostKeyPolicy.Verify"/>.</summary>
    public SshHostKeyPolicy HostKeyPolicy { get; init; } = SshHostKeyPolicy.Verify;

    /// <summary>
    /// Gets an ssh_config file passed with <c>-F</c> (use it for ProxyJump, host aliases and the like), or
    /// <see langword="null"/> for the user's default (<c>~/.ssh/config</c> and <c>/etc/ssh/ssh_config</c>).
    /// </summary>
    public string? ConfigFile { get; init; }

    /// <summary>
    /// Gets extra <c>-o Key=Value</c> options for the connection (for example <c>ProxyJump</c>). Options that run
    /// local commands or switch off host-key checking are refused unless <see cref="AllowUnsafeOptions"/> is set.
    /// </summary>
    public IReadOnlyDictionary<string, string> Options { get; init; } = new Dictionary<string, string>();

    /// <summary>
    /// Gets a value indicating whether <see cref="Options"/> may hold options that run programs or load code on this
    /// machine (<c>ProxyCommand</c>, <c>KnownHostsCommand</c>, <c>LocalCommand</c>, <c>PermitLocalCommand=yes</c>,
    /// <c>Match</c>, <c>Include</c>, <c>RemoteCommand</c>, <c>PKCS11Provider</c>, <c>SecurityKeyProvider</c>) or switch
    /// off host-key checking (<c>StrictHostKeyChecking=no</c>, a known-hosts file of <c>/dev/null</c>). Default
    /// <see langword="false"/>: such options are refused at create time.
    /// </summary>
    /// <remarks>
    /// These options are legitimate when the application means them (a ProxyCommand to a bastion), but whoever can
    /// put entries into <see cref="Options"/> (a job definition, a tenant's settings) could otherwise run any command
    /// as the job runner, or silently accept a man-in-the-middle. Set this only for options your own code writes; for
    /// an unverified host key prefer <see cref="HostKeyPolicy"/>.
    /// </remarks>
    public bool AllowUnsafeOptions { get; init; }

    /// <summary>Gets the connect timeout (TCP connect and SSH handshake). Default 15 s.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// Gets the interval of SSH-level keep-alives (<c>ServerAliveInterval</c>); after three unanswered ones the
    /// connection counts as lost. Default 15 s.
    /// </summary>
    public TimeSpan KeepAliveInterval { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>Gets the path of the ssh executable. Default <c>ssh</c> from PATH.</summary>
    public string SshExecutable { get; init; } = "ssh";

    /// <summary>
    /// Gets the absolute remote task root, or <see langword="null"/> for <c>$OPENCODE_SESSIONS_REMOTE_TASK_ROOT</c>
    /// (read on this machine) or else <c>/tmp/opencode-sessions-&lt;remote user&gt;</c>.
    /// </summary>
    public string? RemoteTaskRoot { get; init; }

    /// <summary>
    /// Gets the local IP address the tunnel to the remote opencode port binds to. Default 127.0.0.1; use the address
    /// of a container interface (or 0.0.0.0) when the widget proxy runs in another container.
    /// </summary>
    public string TunnelBindAddress { get; init; } = "127.0.0.1";

    /// <summary>Returns <c>user@host:port</c>.</summary>
    /// <returns>A description without secrets.</returns>
    public override string ToString() => (User is null ? "" : User + "@") + Host + ":" + Port;

    /// <summary>Lists every problem of this configuration, each with the property it concerns.</summary>
    /// <returns>The problems; empty when the configuration is usable.</returns>
    internal IReadOnlyList<(string Field, string Problem)> GetProblems()
    {
        var problems = new List<(string Field, string Problem)>();
        if (string.IsNullOrWhiteSpace(Host) || Host.StartsWith('-') || Host.Any(char.IsWhiteSpace))
        {
            problems.Add((nameof(Host), $"must be a host name or address (no spaces, not starting with '-'), got '{Host}'"));
        }

        if (Port is < 1 or > 65535)
        {
            problems.Add((nameof(Port), $"must be between 1 and 65535, got {Port}"));
        }

        if (User is { } user && (user.Length == 0 || user.StartsWith('-') || user.Any(c => char.IsWhiteSpace(c) || c is '@' or ':' or '/')))
        {
            problems.Add((nameof(User), $"must be a user name, got '{user}'"));
        }

        if (IdentityFiles is null || IdentityFiles.Any(string.IsNullOrEmpty))
        {
            problems.Add((nameof(IdentityFiles), "must not be null or contain empty paths"));
        }

        if (KnownHostsFile is { Length: 0 })
        {
            problems.Add((nameof(KnownHostsFile), "must be a path or null"));
        }

        if (!Enum.IsDefined(HostKeyPolicy))
        {
            problems.Add((nameof(HostKeyPolicy), $"is not a defined policy: {HostKeyPolicy}"));
        }

        if (Options is null || Options.Any(o => !OptionKey().IsMatch(o.Key) || o.Value is null || o.Value.Any(char.IsControl)))
        {
            problems.Add((nameof(Options), "keys must be ssh_config keywords (letters and digits) and values must be single-line"));
        }

        problems.AddRange(GetUnsafeOptionProblems());

        if (ConnectTimeout < TimeSpan.FromSeconds(1))
        {
            problems.Add((nameof(ConnectTimeout), $"must be at least 1 s, got {ConnectTimeout}"));
        }

        if (KeepAliveInterval < TimeSpan.FromSeconds(1))
        {
            problems.Add((nameof(KeepAliveInterval), $"must be at least 1 s, got {KeepAliveInterval}"));
        }

        if (string.IsNullOrEmpty(SshExecutable))
        {
            problems.Add((nameof(SshExecutable), "must name the ssh program"));
        }

        if (RemoteTaskRoot is { } root && !root.StartsWith('/'))
        {
            problems.Add((nameof(RemoteTaskRoot), $"must be an absolute POSIX path, got '{root}'"));
        }

        if (!IPAddress.TryParse(TunnelBindAddress, out _))
        {
            problems.Add((nameof(TunnelBindAddress), $"must be an IP address, got '{TunnelBindAddress}'"));
        }

        return problems;
    }

    [GeneratedRegex("^[A-Za-z][A-Za-z0-9]*$")]
    private static partial Regex OptionKey();
}
