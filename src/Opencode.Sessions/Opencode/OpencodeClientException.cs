namespace Opencode.Sessions.Opencode;

/// <summary>
/// Base type of every failure of <see cref="OpencodeClient"/>: an HTTP error status, an unreachable or slow server,
/// or an event stream that stopped making progress. Catch a subclass to react to one cause.
/// </summary>
/// <remarks>
/// Messages name the request as <c>METHOD /path</c> only: the query (which carries the directory) and credentials
/// never appear in a message, a log or a trace.
/// </remarks>
public abstract class OpencodeClientException : OpencodeSessionsException
{
    /// <summary>Initializes a new instance.</summary>
    /// <param name="message">What happened, the context and the fix.</param>
    /// <param name="innerException">The underlying cause, if any.</param>
    protected OpencodeClientException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }

    /// <summary>Gets the HTTP status code the server answered with, or null when no response was received.</summary>
    public int? StatusCode { get; init; }

    /// <summary>
    /// Gets the server's own error message (<c>data.message</c>, else <c>message</c>, else the text body), or null.
    /// </summary>
    public string? ServerMessage { get; init; }

    /// <summary>Gets the response body (truncated to 2,000 characters), or null when there was none.</summary>
    public string? ResponseBody { get; init; }

    /// <summary>Gets the request as <c>METHOD /path</c> (never the query), or null when not tied to one request.</summary>
    public string? Request { get; init; }
}
