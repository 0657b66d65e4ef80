namespace Opencode.Sessions.Opencode;

/// <summary>The server answered a 4xx status other than 404 (a 401 means missing or wrong credentials).</summary>
public sealed class OpencodeBadRequestException : OpencodeClientException
{
    /// <summary>Initializes a new instance.</summary>
    /// <param name="message">What happened, the context and the fix.</param>
    /// <param name="innerException">The underlying cause, if any.</param>
    public OpencodeBadRequestException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}
