using System.Text.Json.Nodes;

namespace Opencode.Sessions.Conversations;

/// <summary>The distilled output of a reply: all parts, the joined text and reasoning, and the finished tool calls.</summary>
public sealed record ReplyResult
{
    /// <summary>Gets every part in order (copies).</summary>
    public IReadOnlyList<ReplyPart> Parts { get; init; } = [];

    /// <summary>Gets the text parts joined by a blank line.</summary>
    public string FullText { get; init; } = "";

    /// <summary>Gets the reasoning parts joined by a blank line.</summary>
    public string ReasoningText { get; init; } = "";

    /// <summary>Gets the tool parts that reached <c>completed</c> or <c>error</c>.</summary>
    public IReadOnlyList<ReplyPart> ToolParts { get; init; } = [];

    /// <summary>Returns the parts in their persisted JSON form.</summary>
    /// <returns>A new JSON array.</returns>
    public JsonArray PartsToJson() => new(Parts.Select(p => (JsonNode?)p.ToJson()).ToArray());
}
