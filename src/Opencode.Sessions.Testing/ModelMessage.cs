using System.Text.Json.Nodes;

namespace Opencode.Sessions.Testing;

/// <summary>One entry of the <c>messages</c> array of a chat-completions request.</summary>
/// <param name="Role"><c>system</c>, <c>user</c>, <c>assistant</c> or <c>tool</c>.</param>
/// <param name="Content">
/// The content as text: a string content as is, an array of parts joined (the <c>text</c> of each text part, in order,
/// separated by newlines), <see langword="null"/> content as empty.
/// </param>
/// <param name="ToolCalls">The tool calls of an assistant message (empty otherwise).</param>
/// <param name="ToolCallId">The call a <c>tool</c> message answers, or <see langword="null"/>.</param>
/// <param name="Json">The message as sent (a node of <see cref="ModelRequest.Json"/>).</param>
public sealed record ModelMessage(string Role, string Content, IReadOnlyList<ModelToolCall> ToolCalls, string? ToolCallId, JsonObject Json);
