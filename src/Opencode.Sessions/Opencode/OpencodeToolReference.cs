using System.Text.Json.Serialization;

namespace Opencode.Sessions.Opencode;

/// <summary>The tool call a question or permission request belongs to.</summary>
public sealed record OpencodeToolReference
{
    /// <summary>Gets the assistant message id.</summary>
    [JsonPropertyName("messageID")]
    public string? MessageId { get; init; }

    /// <summary>Gets the tool call id.</summary>
    [JsonPropertyName("callID")]
    public string? CallId { get; init; }
}
