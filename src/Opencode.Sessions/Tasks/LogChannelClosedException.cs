namespace Opencode.Sessions;

/// <summary>The log channel (<c>optio.log</c>) stopped delivering lines before the agent wrote DONE or ERROR.</summary>
public sealed class LogChannelClosedException : OpencodeSessionsException
{
    /// <summary>Initializes a new instance.</summary>
    /// <param name="host">The host's display name.</param>
    /// <param name="path">The log file.</param>
    /// <param name="innerException">Why the channel ended, if known (for example a lost SSH connection).</param>
    public LogChannelClosedException(string host, string path, Exception? innerException)
        : base(
            $"Following {path} on {host} ended before the agent wrote DONE or ERROR" +
            (innerException is null ? "." : $": {innerException.Message}"),
            innerException)
    {
    }
}
