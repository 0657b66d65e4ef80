using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Opencode.Sessions.Hosting;
using Opencode.Sessions.Snapshots;
using Opencode.Sessions.Hosting.Ssh;
using Opencode.Sessions.Workdir;

using Opencode.Sessions.Launching;

namespace Opencode.Sessions;

/// <summary>
/// Everything that configures an opencode task. An immutable options record: use <c>with</c> to derive variants.
/// It is validated by <see cref="OpencodeTaskFactory.Create"/>, which reports every problem with the field's name.
/// </summary>
public sealed record OpencodeTaskConfig
{
    /// <summary>The opencode version installed when none is found. Default for <see cref="OpencodeVersion"/>.</summary>
    public const string DefaultOpencodeVersion = OpencodeInstallRequest.DefaultVersion;

    /// <summary>Gets the task for the agent, appended to the generated AGENTS.md after the protocol sections.</summary>
    public string ConsumerInstructions { get; init; } = "";

    /// <summary>The default <see cref="StartPrompt"/>.</summary>
    public const string DefaultStartPrompt = "Read AGENTS.md and execute the task it describes.";

    /// <summary>The default <see cref="ResumePrompt"/>.</summary>
    public const string DefaultResumePrompt =
        "System: you have been resumed. Check resume.log as AGENTS.md describes, then continue the task.";

    /// <summary>
    /// Gets the first user message sent to the agent on a fresh run, so the session starts unattended.
    /// <see langword="null"/> = send nothing and wait for a human in the web UI. Default <see cref="DefaultStartPrompt"/>.
    /// </summary>
    public string? StartPrompt { get; init; } = DefaultStartPrompt;

    /// <summary>
    /// Gets the message sent when a session was resumed from a snapshot. <see langword="null"/> = send nothing.
    /// Default <see cref="DefaultResumePrompt"/>.
    /// </summary>
    public string? ResumePrompt { get; init; } = DefaultResumePrompt;

    /// <summary>Gets the opencode configuration written to <c>opencode.json</c> (<see langword="null"/> = <c>{}</c>). Copied at create time.</summary>
    public JsonObject? OpencodeConfig { get; init; }

    /// <summary>Gets the model as <c>provider/model</c>; written to opencode.json's <c>model</c> unless it already has one.</summary>
    public string? Model { get; init; }

    /// <summary>Gets the SSH target, or <see langword="null"/> to run on the local machine.</summary>
    public SshConfig? Ssh { get; init; }

    /// <summary>Gets a factory that creates the host (for tests and custom hosts); it wins over <see cref="Ssh"/>.</summary>
    public Func<HostFactoryContext, IHost>? HostFactory { get; init; }

    /// <summary>Gets the callback that receives each deliverable.</summary>
    public DeliverableHandler? OnDeliverable { get; init; }

    /// <summary>Gets the hook that runs after install and workdir preparation, before opencode is launched.</summary>
    public SessionHook? BeforeExecute { get; init; }

    /// <summary>Gets the hook that runs after the session body, whatever happened. Its error never hides the session's own.</summary>
    public SessionHook? AfterExecute { get; init; }

    /// <summary>Gets a value indicating whether opencode is installed with npm when it is not found. Default <see langword="true"/>.</summary>
    public bool InstallIfMissing { get; init; } = true;

    /// <summary>Gets the opencode executable to use; <see langword="null"/> = search PATH, then the install cache.</summary>
    public string? OpencodeExecutable { get; init; }

    /// <summary>Gets the directory opencode is installed into and looked up in; <see langword="null"/> = the per-user cache.</summary>
    public string? OpencodeInstallDir { get; init; }

    /// <summary>Gets the opencode version to install. Default <see cref="DefaultOpencodeVersion"/>.</summary>
    public string OpencodeVersion { get; init; } = DefaultOpencodeVersion;

    /// <summary>Gets the glob patterns left out of workdir snapshots: <see langword="null"/> = the defaults, empty = nothing excluded.</summary>
    public IReadOnlyList<string>? WorkdirExclude { get; init; }

    /// <summary>Gets a value indicating whether sessions are snapshotted and can be resumed. Default <see langword="true"/>.</summary>
    public bool SupportsResume { get; init; } = true;

    /// <summary>Gets the snapshot store; <see langword="null"/> = the file-system store under the data root.</summary>
    public ISnapshotStore? SnapshotStore { get; init; }

    /// <summary>Gets the cipher applied to stored session blobs; <see langword="null"/> = stored as is.</summary>
    public IBlobCipher? SessionBlobCipher { get; init; }

    /// <summary>
    /// Gets whether <see cref="SessionBlobCipher"/> also applies to the workdir blob. <see langword="null"/> (the
    /// default) = yes whenever a cipher is set; <see langword="true"/> = yes and a cipher is required;
    /// <see langword="false"/> = an explicit opt-out that stores the work directory unencrypted (whatever the agent
    /// wrote there is then readable by anyone who can read the store). <c>opencode.json</c>, which may hold provider
    /// API keys, is never stored either way.
    /// </summary>
    public bool? EncryptWorkdirBlob { get; init; }

    /// <summary>Gets how many snapshots per process id are kept. Default 5.</summary>
    public int SnapshotRetention { get; init; } = 5;

    /// <summary>
    /// Gets a value indicating whether resume may restore a snapshot whose record says a blob is stored unencrypted
    /// although <see cref="SessionBlobCipher"/> is set. Default <see langword="false"/>: such a record cannot be
    /// authenticated (it may be forged or downgraded), so resume fails with a <see cref="BlobCipherException"/>. Set it
    /// only for one run after enabling encryption on a process with older, unencrypted snapshots.
    /// </summary>
    public bool AllowUnencryptedSnapshots { get; init; }

    /// <summary>
    /// Gets the caps on restoring a workdir snapshot (total bytes, entry count, expansion ratio); a restore that crosses
    /// one fails with a <see cref="WorkdirRestoreLimitException"/> before it fills the disk. Default <see cref="WorkdirRestoreLimits.Default"/>.
    /// </summary>
    public WorkdirRestoreLimits WorkdirRestoreLimits { get; init; } = WorkdirRestoreLimits.Default;

    /// <summary>
    /// Gets extra environment variables for the opencode process (<see langword="null"/> value = unset). They reach
    /// the agent and every command it runs. The library's own entries (<c>OPENCODE_SERVER_PASSWORD</c>,
    /// <c>OPENCODE_SERVER_USERNAME</c>, <c>OPENCODE_DB</c>, <c>BROWSER</c>, any <c>OPENCODE_SESSIONS_*</c>, and HOME and
    /// XDG_* while <see cref="IsolateHome"/> is on) are refused at create time.
    /// </summary>
    public IReadOnlyDictionary<string, string?>? Environment { get; init; }

    /// <summary>
    /// Gets a value indicating whether opencode (and so the agent and every command it runs) inherits the whole
    /// environment of this process (on an SSH host: of the remote login). Default <see langword="false"/>: opencode
    /// starts from an allow-list (PATH, LANG, LANGUAGE, LC_*, TERM, TZ, TMPDIR, USER, LOGNAME, SHELL, and HOME/XDG_*
    /// when <see cref="IsolateHome"/> is off) plus <see cref="Environment"/> and the library's own entries, so the
    /// job runner's secrets (a snapshot key, database or cloud credentials) never reach the agent.
    /// </summary>
    /// <remarks>
    /// Proxy settings (<c>HTTPS_PROXY</c>, <c>NO_PROXY</c>…) and CA bundles (<c>NODE_EXTRA_CA_CERTS</c>) are not inherited
    /// either: pass the ones opencode needs in <see cref="Environment"/>. Turn this on only when the agent may see
    /// everything this process sees.
    /// </remarks>
    public bool InheritEnvironment { get; init; }

    /// <summary>
    /// Gets how long opencode may take to print its listening URL. Default 120 s: a bound that catches a hung start, not a
    /// performance target. opencode prints its URL in 2–4 s on a quiet machine but took 19 s at load 15 on 2 cores, and
    /// a start that is killed at the bound fails the whole task; the old 30 s default left too thin a margin.
    /// </summary>
    public TimeSpan ReadyTimeout { get; init; } = TimeSpan.FromSeconds(120);

    /// <summary>Gets the time between SIGTERM and SIGKILL when opencode is stopped gracefully. Default 5 s.</summary>
    public TimeSpan ShutdownGracePeriod { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Gets a value indicating whether opencode gets its own HOME and XDG directories inside the task directory, so
    /// the user's own opencode configuration, credentials and data never leak in. Default <see langword="true"/>.
    /// </summary>
    public bool IsolateHome { get; init; } = true;

    /// <summary>
    /// Gets the local task root; <see langword="null"/> = <c>$OPENCODE_SESSIONS_TASK_ROOT</c>, else the data root's
    /// <c>tasks/</c>. Not allowed together with <see cref="Ssh"/>: the remote one is <see cref="SshConfig.RemoteTaskRoot"/>.
    /// </summary>
    public string? TaskRoot { get; init; }

    /// <summary>Gets the logger factory; <see langword="null"/> = no logging.</summary>
    public ILoggerFactory? LoggerFactory { get; init; }

    /// <summary>Gets the clock. Default <see cref="TimeProvider.System"/>.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;
}
