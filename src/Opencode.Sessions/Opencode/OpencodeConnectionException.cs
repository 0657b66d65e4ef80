namespace Opencode.Sessions.Opencode;

/// <summary>The server could not be reached: connection refused or reset, DNS failure, or the connection broke mid-request.</summary>
public sealed class OpencodeConnectionException : OpencodeClientException
{
    /// <summary>Initializes a new instance.</summary>
    /// <param name="message">What happened, the context and the fix.</param>
    /// <param name="innerException">The underlying cause, if any.</param>
    public OpencodeConnectionException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}
