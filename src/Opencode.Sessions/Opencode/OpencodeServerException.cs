namespace Opencode.Sessions.Opencode;

/// <summary>The server answered 5xx, an unexpected status or an unparseable body, or its event stream could not be opened or was malformed.</summary>
public sealed class OpencodeServerException : OpencodeClientException
{
    /// <summary>Initializes a new instance.</summary>
    /// <param name="message">What happened, the context and the fix.</param>
    /// <param name="innerException">The underlying cause, if any.</param>
    public OpencodeServerException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}
