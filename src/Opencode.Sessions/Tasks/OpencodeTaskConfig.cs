using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Opencode.Sessions.Hosting;
using Opencode.Sessions.Snapshots;

namespace Opencode.Sessions;

/// <summary>
/// Everything that configures an opencode task. An immutable options record: use <c>with</c> to derive variants.
/// It is validated by <see cref="OpencodeTaskFactory.Create"/>, which reports every problem with the field's name.
/// </summary>
public sealed record OpencodeTaskConfig
{
    /// <summary>The opencode version installed when none is found. Default for <see cref="OpencodeVersion"/>.</summary>
    public const string DefaultOpencodeVersion = "1.18.33";

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

    /// <summary>Gets a value indicating whether <see cref="SessionBlobCipher"/> also applies to the workdir blob.</summary>
    public bool EncryptWorkdirBlob { get; init; }

    /// <summary>Gets how many snapshots per process id are kept. Default 5.</summary>
    public int SnapshotRetention { get; init; } = 5;

    /// <summary>Gets extra environment variables for the opencode process (<see langword="null"/> value = unset).</summary>
    public IReadOnlyDictionary<string, string?>? Environment { get; init; }

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
