namespace Opencode.Sessions.Testing;

/// <summary>What a <see cref="ScriptedReply"/> makes the <see cref="ScriptedModelServer"/> answer.</summary>
public enum ScriptedReplyKind
{
    /// <summary>A streamed text answer that ends the agent's turn (<c>finish_reason: "stop"</c>).</summary>
    Text,

    /// <summary>One or more streamed tool calls (<c>finish_reason: "tool_calls"</c>); opencode runs them and asks again.</summary>
    ToolCalls,

    /// <summary>A stream that starts and then stays open, sending nothing more, until the client disconnects.</summary>
    Hang,

    /// <summary>A plain HTTP error response (no stream).</summary>
    HttpError,
}
