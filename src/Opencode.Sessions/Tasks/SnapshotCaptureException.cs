namespace Opencode.Sessions;

/// <summary>
/// The session ended but its snapshot could not be saved. Nothing was lost: the task directory was kept on the host
/// (its path is in the message) and the previous snapshot, if any, is still the latest.
/// </summary>
public sealed class SnapshotCaptureException : OpencodeSessionsException
{
    /// <summary>Initializes a new instance.</summary>
    /// <param name="host">The host's display name.</param>
    /// <param name="taskDirectory">The task directory that was kept.</param>
    /// <param name="innerException">Why the capture failed.</param>
    public SnapshotCaptureException(string host, string taskDirectory, Exception innerException)
        : base(
            $"Saving the session snapshot failed: {innerException.Message}{Environment.NewLine}" +
            $"The task directory {taskDirectory} on {host} was kept so no work is lost; a later run moves it aside, never deletes it.",
            innerException)
    {
        TaskDirectory = taskDirectory;
    }

    /// <summary>Gets the task directory that was kept on the host.</summary>
    public string TaskDirectory { get; }
}
