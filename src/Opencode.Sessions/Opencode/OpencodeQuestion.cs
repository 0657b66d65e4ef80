using System.Text.Json;
using System.Text.Json.Serialization;

namespace Opencode.Sessions.Opencode;

/// <summary>A pending question the agent asked (<c>GET /question</c>, <c>question.asked</c>).</summary>
public sealed record OpencodeQuestion
{
    /// <summary>Gets the request id (<c>que_…</c>) to reply to.</summary>
    public string Id { get; init; } = "";

    /// <summary>Gets the session id.</summary>
    [JsonPropertyName("sessionID")]
    public string? SessionId { get; init; }

    /// <summary>Gets the questions (an array of <c>{question, header, options[{label, description}], multiple?}</c>).</summary>
    public JsonElement? Questions { get; init; }

    /// <summary>Gets the question tool call this request belongs to, or null.</summary>
    public OpencodeToolReference? Tool { get; init; }
}
