namespace Opencode.Sessions;

/// <summary>
/// One opencode task, created by <see cref="OpencodeTaskFactory.Create"/>. Each <see cref="ExecuteAsync"/> call is one
/// execution (a process in the job runner's terms).
/// </summary>
public sealed class TaskInstance
{
    internal TaskInstance(string processId, string name, string? description, OpencodeTaskConfig config)
    {
        ProcessId = processId;
        Name = name;
        Description = description;
        Config = config;
    }

    /// <summary>Gets the process id.</summary>
    public string ProcessId { get; }

    /// <summary>Gets the display name.</summary>
    public string Name { get; }

    /// <summary>Gets the description, if any.</summary>
    public string? Description { get; }

    /// <summary>Gets the kind of UI widget the job runner should show: always <c>iframe</c>.</summary>
    public string UiWidget => "iframe";

    /// <summary>Gets a value indicating whether executions are snapshotted and can be resumed.</summary>
    public bool SupportsResume => Config.SupportsResume;

    /// <summary>Gets the (frozen) configuration.</summary>
    public OpencodeTaskConfig Config { get; }

    /// <summary>Runs one session until the agent writes DONE.</summary>
    /// <param name="context">The job runner's process context.</param>
    /// <param name="cancellationToken">Cancels the session: opencode is killed, the snapshot is still captured, then
    /// <see cref="OperationCanceledException"/> is thrown.</param>
    /// <returns>A task that completes when the agent reported DONE and every deliverable was handled.</returns>
    /// <exception cref="AgentReportedErrorException">The agent wrote an ERROR line.</exception>
    /// <exception cref="OpencodeExitedException">opencode exited before the agent wrote DONE.</exception>
    /// <exception cref="OperationCanceledException">The session was cancelled.</exception>
    /// <exception cref="TaskAlreadyRunningException">
    /// Another execution of this process id still runs on the same host (it holds the task lock); it was left untouched.
    /// </exception>
    /// <exception cref="Hosting.Ssh.SshConnectionException">
    /// The SSH host (<see cref="OpencodeTaskConfig.Ssh"/>) could not be reached, refused the key, presented an unknown
    /// or changed host key, or the connection dropped during the session (<see cref="Hosting.Ssh.SshConnectionException.Kind"/>
    /// says which). Teardown still ran; remote processes of the session were killed by the host.
    /// </exception>
    /// <exception cref="Launching.OpencodeInstallException">opencode is missing on the host and could not be installed (for example, no npm there).</exception>
    /// <exception cref="LogChannelClosedException">The log channel ended before the agent wrote DONE or ERROR, for a reason other than a lost SSH connection.</exception>
    public Task ExecuteAsync(IProcessContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (!string.Equals(context.ProcessId, ProcessId, StringComparison.Ordinal))
        {
            throw new ArgumentException(
                $"The process context is for '{context.ProcessId}' but this task was created for '{ProcessId}'.", nameof(context));
        }

        return new TaskRunner(this, context).RunAsync(cancellationToken);
    }
}
