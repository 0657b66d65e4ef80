namespace Opencode.Sessions.Opencode;

/// <summary>The event stream delivered no event for the session within the first-event timeout after the prompt: the session is stale (for example, its server restarted) and should be recreated.</summary>
public sealed class OpencodeStaleSessionException : OpencodeClientException
{
    /// <summary>Initializes a new instance.</summary>
    /// <param name="message">What happened, the context and the fix.</param>
    /// <param name="innerException">The underlying cause, if any.</param>
    public OpencodeStaleSessionException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }

    /// <summary>Gets the id of the session that produced no events.</summary>
    public string? SessionId { get; init; }
}
