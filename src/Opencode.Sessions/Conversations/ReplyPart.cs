using System.Text.Json;
using System.Text.Json.Nodes;
using Opencode.Sessions.Opencode;

namespace Opencode.Sessions.Conversations;

/// <summary>
/// One part of an assistant reply in its canonical shape, identical whether it was built live from events or
/// recovered from <c>GET /session/:id/message</c>: text or reasoning content, or a tool call.
/// </summary>
/// <remarks>
/// A <see cref="Reply"/> updates its live parts in place while streaming; <see cref="ReplyResult"/> holds copies.
/// <see cref="ToJson"/>/<see cref="FromJson"/> give the persisted form (<c>parts_json</c> in opencode-rails).
/// </remarks>
public sealed class ReplyPart
{
    /// <summary>The <c>metadata.source</c> value marking a part synthesized from <c>todo.updated</c>.</summary>
    public const string TodoUpdatedSource = "todo.updated";

    internal const int MaxErrorLength = 200;

    private ReplyPart(ReplyPartKind kind)
    {
        Kind = kind;
    }

    /// <summary>Gets the kind.</summary>
    public ReplyPartKind Kind { get; }

    /// <summary>Gets the text of a text or reasoning part ("" for tools).</summary>
    public string Content { get; internal set; } = "";

    /// <summary>Gets the tool name of a tool part.</summary>
    public string? Tool { get; internal set; }

    /// <summary>Gets the tool status: <c>pending</c>, <c>running</c>, <c>completed</c> or <c>error</c>.</summary>
    public string? Status { get; internal set; }

    /// <summary>Gets opencode's title of the call, or null.</summary>
    public string? Title { get; internal set; }

    /// <summary>Gets the tool input, or null.</summary>
    public JsonObject? Input { get; internal set; }

    /// <summary>Gets the tool metadata (diff, output, matches…), or null.</summary>
    public JsonObject? Metadata { get; internal set; }

    /// <summary>Gets the tool output, or null.</summary>
    public string? Output { get; internal set; }

    /// <summary>Gets the error of a failed call (at most 200 characters), or null.</summary>
    public string? Error { get; internal set; }

    /// <summary>Gets the tool call id, or null.</summary>
    public string? CallId { get; internal set; }

    /// <summary>Gets the id of the assistant message holding the call, or null.</summary>
    public string? MessageId { get; internal set; }

    /// <summary>Gets a value indicating whether the part exists only in the stream (opencode never persists it).</summary>
    public bool IsStreamOnly =>
        Metadata is not null && Metadata.TryGetPropertyValue("source", out var source) &&
        source is JsonValue value && value.TryGetValue<string>(out var text) && text == TodoUpdatedSource;

    /// <summary>Gets a value indicating whether a tool part reached <c>completed</c> or <c>error</c>.</summary>
    public bool IsTerminal => Kind == ReplyPartKind.Tool && Status is "completed" or "error";

    /// <summary>Creates a text part.</summary>
    /// <param name="content">The text.</param>
    /// <returns>The part.</returns>
    public static ReplyPart CreateText(string content) => new(ReplyPartKind.Text) { Content = content ?? "" };

    /// <summary>Creates a reasoning part.</summary>
    /// <param name="content">The reasoning text.</param>
    /// <returns>The part.</returns>
    public static ReplyPart CreateReasoning(string content) => new(ReplyPartKind.Reasoning) { Content = content ?? "" };

    /// <summary>Creates a tool part.</summary>
    /// <param name="tool">The tool name.</param>
    /// <param name="status">The status.</param>
    /// <param name="input">The input, or null.</param>
    /// <param name="output">The output, or null.</param>
    /// <param name="metadata">The metadata, or null.</param>
    /// <param name="title">The title, or null.</param>
    /// <param name="error">The error (truncated to 200 characters), or null.</param>
    /// <returns>The part.</returns>
    public static ReplyPart CreateTool(string tool, string? status, JsonObject? input = null, string? output = null, JsonObject? metadata = null, string? title = null, string? error = null) =>
        new(ReplyPartKind.Tool)
        {
            Tool = tool,
            Status = status,
            Input = input,
            Output = output,
            Metadata = metadata,
            Title = title,
            Error = Truncate(error),
        };

    /// <summary>
    /// Converts a wire part the way recovery sees it: text and reasoning as is, tool calls only once terminal
    /// (empty fields dropped; the error only for status <c>error</c>); every other part type yields null.
    /// </summary>
    /// <param name="part">The wire part.</param>
    /// <returns>The canonical part, or null.</returns>
    public static ReplyPart? FromWire(OpencodePart part)
    {
        ArgumentNullException.ThrowIfNull(part);
        switch (part.Type)
        {
            case "text":
                return CreateText(part.Text ?? "");
            case "reasoning":
                return CreateReasoning(part.Text ?? "");
            case "tool" when part.State?.Status is "completed" or "error":
                var state = part.State;
                return new ReplyPart(ReplyPartKind.Tool)
                {
                    Tool = NullIfEmpty(part.Tool),
                    Status = state.Status,
                    Title = NullIfEmpty(state.Title),
                    Input = ToObject(state.Input),
                    Metadata = ToObject(state.Metadata),
                    Output = NullIfEmpty(state.Output),
                    Error = state.Status == "error" ? Truncate(NullIfEmpty(state.Error)) : null,
                    CallId = NullIfEmpty(part.CallId),
                    MessageId = NullIfEmpty(part.MessageId),
                };
            default:
                return null;
        }
    }

    /// <summary>Reads a part from its <see cref="ToJson"/> form.</summary>
    /// <param name="json">The JSON object.</param>
    /// <returns>The part.</returns>
    /// <exception cref="ArgumentException">The object has no known <c>type</c>.</exception>
    public static ReplyPart FromJson(JsonObject json)
    {
        ArgumentNullException.ThrowIfNull(json);
        string? Str(string name) => json[name] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
        return Str("type") switch
        {
            "text" => CreateText(Str("content") ?? ""),
            "reasoning" => CreateReasoning(Str("content") ?? ""),
            "tool" => new ReplyPart(ReplyPartKind.Tool)
            {
                Tool = Str("tool"),
                Status = Str("status"),
                Title = Str("title"),
                Input = json["input"]?.DeepClone() as JsonObject,
                Metadata = json["metadata"]?.DeepClone() as JsonObject,
                Output = Str("output"),
                Error = Str("error"),
                CallId = Str("callID"),
                MessageId = Str("messageID"),
            },
            var other => throw new ArgumentException($"Unknown reply part type '{other}'.", nameof(json)),
        };
    }

    /// <summary>Returns the persisted form: <c>{type, content}</c> or <c>{type:"tool", tool, status, title?, input?, …}</c>.</summary>
    /// <returns>A new JSON object.</returns>
    public JsonObject ToJson()
    {
        if (Kind != ReplyPartKind.Tool)
        {
            return new JsonObject { ["type"] = Kind == ReplyPartKind.Text ? "text" : "reasoning", ["content"] = Content };
        }

        var json = new JsonObject { ["type"] = "tool", ["tool"] = Tool, ["status"] = Status };
        Add(json, "title", Title);
        Add(json, "input", Input?.DeepClone());
        Add(json, "metadata", Metadata?.DeepClone());
        Add(json, "output", Output);
        Add(json, "error", Error);
        Add(json, "callID", CallId);
        Add(json, "messageID", MessageId);
        return json;
    }

    /// <summary>Returns a deep copy.</summary>
    /// <returns>The copy.</returns>
    public ReplyPart Clone() => new(Kind)
    {
        Content = Content,
        Tool = Tool,
        Status = Status,
        Title = Title,
        Input = Input?.DeepClone() as JsonObject,
        Metadata = Metadata?.DeepClone() as JsonObject,
        Output = Output,
        Error = Error,
        CallId = CallId,
        MessageId = MessageId,
    };

    /// <summary>Returns true when both parts have the same persisted form.</summary>
    /// <param name="other">The other part.</param>
    /// <returns>True when equivalent.</returns>
    public bool SameAs(ReplyPart? other) => other is not null && JsonNode.DeepEquals(ToJson(), other.ToJson());

    /// <summary>Returns a short description for debugging.</summary>
    /// <returns>The description.</returns>
    public override string ToString() => Kind == ReplyPartKind.Tool ? $"tool {Tool} ({Status})" : $"{Kind}: {Content}";

    internal static string? Truncate(string? error) =>
        error is { Length: > MaxErrorLength } ? error[..MaxErrorLength] : error;

    internal static JsonObject? ToObject(JsonElement? element) =>
        element is { ValueKind: JsonValueKind.Object } e && e.EnumerateObject().Any() ? JsonNode.Parse(e.GetRawText()) as JsonObject : null;

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;

    private static void Add(JsonObject json, string name, JsonNode? value)
    {
        if (value is not null)
        {
            json[name] = value;
        }
    }

    private static void Add(JsonObject json, string name, string? value)
    {
        if (value is not null)
        {
            json[name] = value;
        }
    }
}
