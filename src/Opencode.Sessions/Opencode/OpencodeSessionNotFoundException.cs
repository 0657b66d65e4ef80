namespace Opencode.Sessions.Opencode;

/// <summary>The server answered 404: the session (or another addressed resource) does not exist on it.</summary>
public sealed class OpencodeSessionNotFoundException : OpencodeClientException
{
    /// <summary>Initializes a new instance.</summary>
    /// <param name="message">What happened, the context and the fix.</param>
    /// <param name="innerException">The underlying cause, if any.</param>
    public OpencodeSessionNotFoundException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}
