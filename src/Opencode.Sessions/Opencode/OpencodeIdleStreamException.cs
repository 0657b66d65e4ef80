namespace Opencode.Sessions.Opencode;

/// <summary>The session produced events and then went quiet for longer than the idle-stream timeout, although the stream itself stayed alive.</summary>
public sealed class OpencodeIdleStreamException : OpencodeClientException
{
    /// <summary>Initializes a new instance.</summary>
    /// <param name="message">What happened, the context and the fix.</param>
    /// <param name="innerException">The underlying cause, if any.</param>
    public OpencodeIdleStreamException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }

    /// <summary>Gets the id of the session that went quiet.</summary>
    public string? SessionId { get; init; }
}
