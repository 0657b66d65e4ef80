namespace Opencode.Sessions.Testing;

/// <summary>How the answer to a <see cref="ModelRequest"/> ended.</summary>
public enum ModelReplyOutcome
{
    /// <summary>The whole answer was sent (for a stream: up to and including <c>data: [DONE]</c>).</summary>
    Completed,

    /// <summary>The client closed the connection before the answer was complete (for example an opencode abort).</summary>
    ClientDisconnected,

    /// <summary>The server was disposed while the answer was still being sent.</summary>
    ServerStopped,
}
