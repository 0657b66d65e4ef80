using System.Text.Json.Serialization;

namespace Opencode.Sessions.Opencode;

/// <summary>
/// One part of a message. opencode has many part types (<c>text</c>, <c>reasoning</c>, <c>tool</c>,
/// <c>step-start</c>, <c>step-finish</c>, <c>patch</c>, <c>file</c>, …); this flat record carries the fields of
/// the ones this library reads, and leaves the others null.
/// </summary>
public sealed record OpencodePart
{
    /// <summary>Gets the part id (<c>prt_…</c>).</summary>
    public string Id { get; init; } = "";

    /// <summary>Gets the session id.</summary>
    [JsonPropertyName("sessionID")]
    public string? SessionId { get; init; }

    /// <summary>Gets the message id.</summary>
    [JsonPropertyName("messageID")]
    public string? MessageId { get; init; }

    /// <summary>Gets the part type.</summary>
    public string Type { get; init; } = "";

    /// <summary>Gets the text of a <c>text</c> or <c>reasoning</c> part, or null.</summary>
    public string? Text { get; init; }

    /// <summary>Gets the tool call id of a <c>tool</c> part, or null.</summary>
    [JsonPropertyName("callID")]
    public string? CallId { get; init; }

    /// <summary>Gets the tool name of a <c>tool</c> part, or null.</summary>
    public string? Tool { get; init; }

    /// <summary>Gets the state of a <c>tool</c> part, or null.</summary>
    public OpencodeToolState? State { get; init; }

    /// <summary>Gets the finish reason of a <c>step-finish</c> part, or null.</summary>
    public string? Reason { get; init; }

    /// <summary>Gets the cost of a <c>step-finish</c> part, or null.</summary>
    public double? Cost { get; init; }

    /// <summary>Gets the token usage of a <c>step-finish</c> part, or null.</summary>
    public OpencodeTokens? Tokens { get; init; }
}
