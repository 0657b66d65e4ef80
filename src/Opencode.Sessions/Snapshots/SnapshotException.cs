namespace Opencode.Sessions.Snapshots;

/// <summary>
/// A snapshot could not be saved, read or found: a missing blob, an unreadable record, a short write, a lock that
/// could not be taken, or an empty session export.
/// </summary>
public sealed class SnapshotException : OpencodeSessionsException
{
    /// <summary>Initializes a new instance.</summary>
    /// <param name="message">What failed, where, and what to check.</param>
    /// <param name="innerException">The underlying error, if any.</param>
    public SnapshotException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}
