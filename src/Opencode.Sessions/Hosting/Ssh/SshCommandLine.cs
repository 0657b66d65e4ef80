using System.Globalization;

namespace Opencode.Sessions.Hosting.Ssh;

/// <summary>
/// Builds the argument vectors of the OpenSSH client: the control master (the one real connection), sessions
/// multiplexed over it, and control requests (<c>-O check|exit|forward|cancel</c>).
/// </summary>
internal sealed class SshCommandLine
{
    private readonly SshConfig _config;

    public SshCommandLine(SshConfig config, string controlPath)
    {
        _config = config;
        ControlPath = controlPath;
    }

    /// <summary>Gets the control socket path.</summary>
    public string ControlPath { get; }

    /// <summary>
    /// The master: authenticates, then stays in the foreground (<c>-N</c>, no command) serving sessions over
    /// <see cref="ControlPath"/> until told to exit or killed. Everything about the real connection is set here.
    /// </summary>
    public IReadOnlyList<string> Master()
    {
        var args = new List<string>();
        if (_config.ConfigFile is { } configFile)
        {
            args.AddRange(["-F", configFile]);
        }

        // Options given first win in ssh, so ours override the user's ssh_config where it matters.
        Option(args, "BatchMode", "yes");
        Option(args, "ControlMaster", "yes");
        Option(args, "ControlPath", PathValue(ControlPath));
        Option(args, "ControlPersist", "no");
        Option(args, "ConnectTimeout", Seconds(_config.ConnectTimeout));
        Option(args, "ServerAliveInterval", Seconds(_config.KeepAliveInterval));
        Option(args, "ServerAliveCountMax", "3");

        // Forwards from the user's ssh_config would be bound by our master; tunnels are requested explicitly instead.
        Option(args, "ClearAllForwardings", "yes");
        Option(args, "PermitLocalCommand", "no");
        foreach (var identity in _config.IdentityFiles)
        {
            // Not -i: ssh checks -i paths before expanding %-tokens, so a path holding '%' could not be passed that way.
            Option(args, "IdentityFile", PathValue(identity));
        }

        if (_config.IdentityFiles.Count > 0)
        {
            Option(args, "IdentitiesOnly", "yes");
        }

        switch (_config.HostKeyPolicy)
        {
            case SshHostKeyPolicy.Insecure:
                Option(args, "StrictHostKeyChecking", "no");
                Option(args, "UserKnownHostsFile", "/dev/null");
                Option(args, "GlobalKnownHostsFile", "/dev/null");
                break;
            case SshHostKeyPolicy.AcceptNew:
                Option(args, "StrictHostKeyChecking", "accept-new");
                KnownHosts(args);
                break;
            default:
                Option(args, "StrictHostKeyChecking", "yes");
                KnownHosts(args);
                break;
        }

        foreach (var (key, value) in _config.Options)
        {
            Option(args, key, value);
        }

        args.AddRange(["-p", _config.Port.ToString(CultureInfo.InvariantCulture)]);
        if (_config.User is { } user)
        {
            args.AddRange(["-l", user]);
        }

        args.AddRange(["-N", "-n", "-T", "-x", "-a", "--", _config.Host]);
        return args;
    }

    /// <summary>
    /// A session over the master running <paramref name="remoteCommand"/> (a shell command line for the login shell).
    /// It reads no ssh_config and can never open a connection of its own: if the master is gone it fails at once
    /// (the <c>ProxyCommand=false</c> fallback) instead of silently reconnecting outside the multiplexed connection.
    /// </summary>
    public IReadOnlyList<string> Session(string remoteCommand)
    {
        var args = Client();

        // Forwards from a user's config are never requested by sessions (control requests must not clear theirs).
        Option(args, "ClearAllForwardings", "yes");
        args.AddRange(["-T", "-x", "-a", "--", _config.Host, remoteCommand]);
        return args;
    }

    /// <summary>A control request to the master, for example <c>check</c>, <c>exit</c>, <c>forward -L …</c>.</summary>
    public IReadOnlyList<string> Control(string operation, params string[] extra)
    {
        var args = Client();
        args.AddRange(["-O", operation]);
        args.AddRange(extra);
        args.AddRange(["--", _config.Host]);
        return args;
    }

    private List<string> Client()
    {
        var args = new List<string> { "-F", "/dev/null" };
        Option(args, "ControlMaster", "no");
        Option(args, "ControlPath", PathValue(ControlPath));
        Option(args, "ProxyCommand", "false");
        Option(args, "BatchMode", "yes");
        Option(args, "LogLevel", "ERROR");
        args.AddRange(["-p", _config.Port.ToString(CultureInfo.InvariantCulture)]);
        if (_config.User is { } user)
        {
            args.AddRange(["-l", user]);
        }

        return args;
    }

    private void KnownHosts(List<string> args)
    {
        if (_config.KnownHostsFile is { } file)
        {
            Option(args, "UserKnownHostsFile", PathValue(file));
        }
    }

    /// <summary>A path as an option value: <c>%</c> tokens escaped, quoted when it holds spaces or quotes.</summary>
    internal static string PathValue(string path)
    {
        var escaped = EscapeTokens(path);
        return escaped.Any(c => char.IsWhiteSpace(c) || c is '"' or '\\' or '\'')
            ? "\"" + escaped.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\""
            : escaped;
    }

    /// <summary>ssh expands <c>%h</c>-style tokens in paths; a literal <c>%</c> is written <c>%%</c>.</summary>
    private static string EscapeTokens(string path) => path.Replace("%", "%%", StringComparison.Ordinal);

    private static void Option(List<string> args, string key, string value) => args.AddRange(["-o", key + "=" + value]);

    private static string Seconds(TimeSpan value) => ((int)Math.Ceiling(value.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
}
