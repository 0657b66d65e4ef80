namespace Opencode.Sessions.Conversations;

/// <summary>The kind of a <see cref="ReplyPart"/>.</summary>
public enum ReplyPartKind
{
    /// <summary>Answer text.</summary>
    Text,

    /// <summary>Model reasoning ("thinking") text.</summary>
    Reasoning,

    /// <summary>A tool call with its status, input, output and metadata.</summary>
    Tool,
}
