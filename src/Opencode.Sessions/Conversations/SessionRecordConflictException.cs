namespace Opencode.Sessions.Conversations;

/// <summary>
/// Thrown by an <see cref="ISessionRecord.SaveSessionIdAsync"/> implementation when a uniqueness rule shows that
/// another worker already stored a session id (a lost race). <see cref="ConversationSession.EnsureAsync"/> then
/// re-reads the record and adopts the winner's session.
/// </summary>
public sealed class SessionRecordConflictException : OpencodeSessionsException
{
    /// <summary>Initializes a new instance.</summary>
    /// <param name="message">What conflicted.</param>
    /// <param name="innerException">The storage error (for example a unique-constraint violation), or null.</param>
    public SessionRecordConflictException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}
