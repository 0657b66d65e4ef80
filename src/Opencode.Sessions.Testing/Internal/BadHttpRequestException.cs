namespace Opencode.Sessions.Testing.Internal;

/// <summary>A request the test server cannot parse; answered with <see cref="StatusCode"/> and the connection closed.</summary>
internal sealed class BadHttpRequestException : Exception
{
    public BadHttpRequestException(int statusCode, string message)
        : base(message)
    {
        StatusCode = statusCode;
    }

    /// <summary>Gets the HTTP status to answer with.</summary>
    public int StatusCode { get; }
}
