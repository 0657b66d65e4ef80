namespace Opencode.Sessions;

/// <summary>
/// Thrown by <see cref="TaskInstance.ExecuteAsync"/> when another execution of the same process id is still running
/// on the same host (it holds the task lock). The running execution is left untouched: its task directory, its
/// processes and its snapshot. Wait for it to end (or cancel it), then run again.
/// </summary>
/// <remarks>
/// The lock lives on the host, beside the task directory (<c>&lt;task root&gt;/.&lt;processId&gt;.lock</c>), and is
/// held by a process for the execution's whole life; it is released when the execution ends, when its job runner dies
/// and, over SSH, when the connection drops. Executions of one process id on different hosts (or task roots) do not
/// see each other's lock.
/// </remarks>
public sealed class TaskAlreadyRunningException : OpencodeSessionsException
{
    /// <summary>Initializes a new instance.</summary>
    /// <param name="processId">The process id that is already running.</param>
    /// <param name="hostName">The host it runs on (<see cref="Hosting.IHost.DisplayName"/>).</param>
    /// <param name="lockPath">The lock file on that host.</param>
    public TaskAlreadyRunningException(string processId, string hostName, string lockPath)
        : base($"Process '{processId}' is already running on {hostName} (another execution holds the task lock {lockPath}); " +
               "a second execution of the same process id was refused and the running one was left untouched. Wait for it to end or cancel it, then run again.")
    {
        ProcessId = processId;
        HostName = hostName;
        LockPath = lockPath;
    }

    /// <summary>Gets the process id that is already running.</summary>
    public string ProcessId { get; }

    /// <summary>Gets the host it runs on.</summary>
    public string HostName { get; }

    /// <summary>Gets the lock file on that host.</summary>
    public string LockPath { get; }
}
