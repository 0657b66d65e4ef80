namespace Opencode.Sessions;

/// <summary>
/// Base type of every exception Opencode.Sessions throws for a failure of its own domain
/// (argument and cancellation failures use the standard .NET exception types).
/// </summary>
public abstract class OpencodeSessionsException : Exception
{
    /// <summary>Initializes a new instance with a message.</summary>
    /// <param name="message">What happened, the context and, where possible, the fix.</param>
    protected OpencodeSessionsException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance with a message and the exception that caused it.</summary>
    /// <param name="message">What happened, the context and, where possible, the fix.</param>
    /// <param name="innerException">The underlying cause.</param>
    protected OpencodeSessionsException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
