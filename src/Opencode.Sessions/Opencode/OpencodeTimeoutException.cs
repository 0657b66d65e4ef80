namespace Opencode.Sessions.Opencode;

/// <summary>A request or an event stream did not complete within its time limit.</summary>
public sealed class OpencodeTimeoutException : OpencodeClientException
{
    /// <summary>Initializes a new instance.</summary>
    /// <param name="message">What happened, the context and the fix.</param>
    /// <param name="innerException">The underlying cause, if any.</param>
    public OpencodeTimeoutException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }

    /// <summary>Gets the time limit that expired, or null when unknown.</summary>
    public TimeSpan? Timeout { get; init; }
}
