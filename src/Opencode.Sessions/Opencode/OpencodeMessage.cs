namespace Opencode.Sessions.Opencode;

/// <summary>One message of a session with its parts, as <c>GET /session/:id/message</c> returns it.</summary>
public sealed record OpencodeMessage
{
    /// <summary>Gets the message metadata.</summary>
    public OpencodeMessageInfo Info { get; init; } = new();

    /// <summary>Gets the parts in order (text, reasoning, tool, step-start, step-finish, patch, file…).</summary>
    public IReadOnlyList<OpencodePart> Parts { get; init; } = [];
}
