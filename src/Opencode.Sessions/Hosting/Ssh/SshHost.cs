using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Opencode.Sessions.Internal;
using Opencode.Sessions.Posix;

namespace Opencode.Sessions.Hosting.Ssh;

/// <summary>
/// A remote machine as an <see cref="IHost"/>, driven through the system OpenSSH client over one multiplexed
/// connection (a control master with its socket in a private 0700 directory). Commands, file transfers, archives,
/// log following and tunnels all travel over that connection.
/// </summary>
/// <remarks>
/// <para>
/// Requirements on the remote: a POSIX <c>/bin/sh</c>, <c>head -c</c>, <c>setsid</c> (util-linux), <c>tail -F</c>,
/// <c>realpath -m</c>, GNU tar and GNU grep (as on any Linux distribution); shell startup files must not print to
/// standard output (the same rule scp and rsync impose). Reading and writing agent-controlled files in the work
/// directory (deliverables, hook helpers: <see cref="OpenWorkdirFileAsync"/>, <see cref="WriteWorkdirFileAsync"/>) also
/// needs <c>perl</c> (essential on Debian, present on nearly every Linux): POSIX sh cannot walk a path by descriptor,
/// so a small perl helper does it on the host; without perl those calls fail with a <see cref="HostCommandException"/>
/// whose message says perl is missing.
/// </para>
/// <para>
/// Scripts are sent over the channel's standard input, never in argv, so paths, arguments and environment values do
/// not show in the process lists of either machine. Every remote command, launched process and follower runs in its
/// own process group with a dead-man switch: when its channel closes (the ssh client killed, the master gone, the
/// network down), the whole group is SIGKILLed on the remote, and so is every process that inherited the channel's
/// <c>OPENCODE_SESSIONS_GUARD</c> environment entry (descendants that moved to sessions of their own, as opencode's
/// tools start the agent's commands), so a lost connection leaves no orphans.
/// </para>
/// <para>
/// <see cref="TaskDirectory"/> is <c>&lt;root&gt;/&lt;processId&gt;</c> where the root is
/// <see cref="SshConfig.RemoteTaskRoot"/>, else <c>$OPENCODE_SESSIONS_REMOTE_TASK_ROOT</c> read on this machine, else
/// <c>/tmp/opencode-sessions-&lt;remote user&gt;</c>. In the last case the remote user is only known once connected,
/// so <see cref="TaskDirectory"/> and <see cref="HostBase.WorkDirectory"/> are available after <see cref="HostBase.ConnectAsync"/>.
/// </para>
/// </remarks>
public sealed partial class SshHost : HostBase
{
    private readonly SshConfig _config;
    private readonly ILogger _logger;
    private readonly string _processId;
    private readonly string? _configuredRoot;
    private SshControlMaster? _master;
    private string? _taskDirectory;
    private string? _home;

    /// <summary>Initializes a new instance; nothing is contacted until <see cref="HostBase.ConnectAsync"/>.</summary>
    /// <param name="config">How to reach the host.</param>
    /// <param name="processId">The process id (a safe path segment).</param>
    /// <param name="logger">A logger, or <see langword="null"/>.</param>
    /// <exception cref="ArgumentException">The process id is not a safe path segment, or the configuration is invalid (every problem is listed).</exception>
    public SshHost(SshConfig config, string processId, ILogger<SshHost>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(processId);
        ProcessIds.Validate(processId, nameof(processId));
        var problems = config.GetProblems();
        if (problems.Count > 0)
        {
            throw new ArgumentException("Invalid SSH configuration: " + string.Join("; ", problems.Select(p => $"{p.Field} {p.Problem}")), nameof(config));
        }

        _config = config;
        _processId = processId;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        var fromEnvironment = Environment.GetEnvironmentVariable(TaskPaths.RemoteTaskRootVariable);
        _configuredRoot = config.RemoteTaskRoot ?? (string.IsNullOrEmpty(fromEnvironment) ? null : fromEnvironment);
        if (_configuredRoot is not null)
        {
            if (!_configuredRoot.StartsWith('/'))
            {
                throw new ArgumentException($"{TaskPaths.RemoteTaskRootVariable} must be an absolute POSIX path, got '{_configuredRoot}'.", nameof(config));
            }

            _taskDirectory = HostPath.Combine(HostPath.Normalize(_configuredRoot), processId);
        }
    }

    /// <inheritdoc/>
    public override string DisplayName => "ssh " + _config;

    /// <inheritdoc/>
    /// <exception cref="InvalidOperationException">The task root depends on the remote user and the host is not connected yet.</exception>
    public override string TaskDirectory => _taskDirectory ?? throw new InvalidOperationException(
        $"The remote task directory of {DisplayName} depends on the remote user name: call ConnectAsync first, or set SshConfig.RemoteTaskRoot.");

    /// <summary>Gets the remote user name, known after <see cref="HostBase.ConnectAsync"/>.</summary>
    public string? RemoteUser { get; private set; }

    /// <summary>Gets the maximum line length <see cref="FollowFileAsync"/> delivers whole. Default 1 MiB.</summary>
    public int MaxFollowedLineBytes { get; init; } = 1024 * 1024;

    /// <summary>Gets the configuration.</summary>
    internal SshConfig Config => _config;

    /// <summary>Gets the pid of the control master (for tests that cut the connection), or <see langword="null"/>.</summary>
    internal int? MasterProcessId => _master?.ProcessId;

    /// <summary>Starts the control master and learns the remote user and home; called once by <see cref="HostBase.ConnectAsync"/>.</summary>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>A task that completes when connected.</returns>
    /// <exception cref="SshConnectionException">The host is unreachable, refused the key, or its host key is unknown or changed.</exception>
    protected override async Task ConnectCoreAsync(CancellationToken cancellationToken)
    {
        Log.Connecting(_logger, DisplayName, _config.HostKeyPolicy);
        var timeout = (_config.ConnectTimeout * 2) + TimeSpan.FromSeconds(10);
        try
        {
            _master = await SshControlMaster.StartAsync(_config, timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (SshConnectionException ex)
        {
            Log.ConnectFailed(_logger, DisplayName, ex.Kind, ex);
            throw;
        }

        try
        {
            var probe = await RunCommandAsync(HostCommand.Shell("id -un && printf '%s\\n' \"$HOME\""), cancellationToken).ConfigureAwait(false);
            var lines = probe.StandardOutput.Split('\n');
            if (!probe.Succeeded || lines.Length < 2 || lines[0].Length == 0 || lines[0].Contains('/'))
            {
                throw new HostCommandException($"id -un (remote user probe) on {DisplayName}", probe);
            }

            RemoteUser = lines[0];
            _home = lines[1].StartsWith('/') ? lines[1] : null;
        }
        catch
        {
            await _master.DisposeAsync().ConfigureAwait(false);
            _master = null;
            throw;
        }

        _taskDirectory ??= HostPath.Combine(DefaultRoot(), _processId);
        Log.Connected(_logger, DisplayName, _master.ProcessId, RemoteUser, _taskDirectory);
    }

    /// <summary>A second <see cref="HostBase.ConnectAsync"/> finds the master: it must still be alive.</summary>
    /// <exception cref="SshConnectionException">The connection was lost (<see cref="SshFailureKind.ConnectionLost"/>).</exception>
    /// <param name="cancellationToken">Not used.</param>
    /// <returns>A completed task.</returns>
    protected override Task VerifyConnectionAsync(CancellationToken cancellationToken)
    {
        RequireMaster();
        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    /// <remarks>
    /// The default root <c>/tmp/opencode-sessions-&lt;user&gt;</c> lives in a shared directory, so it must be a real
    /// directory owned by the remote user (not a symlink planted by someone else); it is made 0700.
    /// </remarks>
    public override async Task SetupWorkdirAsync(CancellationToken cancellationToken)
    {
        RequireMaster();
        var script = "";
        if (_configuredRoot is null)
        {
            var root = SshRemoteScript.Q(DefaultRoot());
            script = $"mkdir -p -- {root} && [ -d {root} ] && [ ! -L {root} ] && [ -O {root} ] && chmod 700 -- {root} || " +
                $"{{ echo \"the task root {root} is not a private directory of $(id -un) (a symlink, or owned by someone else)\" >&2; exit 1; }}\n";
        }

        var task = SshRemoteScript.Q(TaskDirectory);
        var work = SshRemoteScript.Q(WorkDirectory);
        script += $"mkdir -p -- {task} {work} && chmod 700 -- {task} {work}";
        await RunCheckedAsync(HostCommand.Shell(script), "setting up the work directory", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Closes the tunnels and the connection (<c>ssh -O exit</c>, then the master is killed by pid if needed) and deletes
    /// the private control directory. By then <see cref="HostBase.DisposeAsync"/> has stopped every process this host
    /// started (their remote process groups are killed while the connection still takes commands; were it gone, closing
    /// their channels would still trip the dead-man switch on the host) and ended the followers. Never throws.
    /// </summary>
    /// <returns>A task that completes when everything is closed.</returns>
    protected override async ValueTask DisposeAsyncCore()
    {
        await CloseTunnelsAsync().ConfigureAwait(false);
        if (_master is { } master)
        {
            var lost = !master.IsAlive;
            await master.DisposeAsync().ConfigureAwait(false);
            Log.Disconnected(_logger, DisplayName, lost);
        }
    }

    /// <summary>Returns the live master, or throws the exception that tells why there is none.</summary>
    internal SshControlMaster RequireMaster()
    {
        ObjectDisposedException.ThrowIf(DisposalToken.IsCancellationRequested, this);
        var master = _master ?? throw new InvalidOperationException($"{DisplayName} is not connected: call ConnectAsync first.");
        return master.IsAlive
            ? master
            : throw new SshConnectionException(SshFailureKind.ConnectionLost, _config.ToString(), "the control master exited", master.StandardError);
    }

    private string DefaultRoot() => "/tmp/opencode-sessions-" + (RemoteUser ?? throw new InvalidOperationException("Not connected."));
}
