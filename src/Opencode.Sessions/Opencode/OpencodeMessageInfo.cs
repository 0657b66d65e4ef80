using System.Text.Json.Serialization;

namespace Opencode.Sessions.Opencode;

/// <summary>The <c>info</c> of a message: role, timing, model, cost, tokens and, for assistants, finish and error.</summary>
public sealed record OpencodeMessageInfo
{
    /// <summary>Gets the message id (<c>msg_…</c>).</summary>
    public string Id { get; init; } = "";

    /// <summary>Gets the session id.</summary>
    [JsonPropertyName("sessionID")]
    public string? SessionId { get; init; }

    /// <summary>Gets the role: <c>user</c> or <c>assistant</c>.</summary>
    public string Role { get; init; } = "";

    /// <summary>Gets the id of the user message an assistant message answers, or null.</summary>
    [JsonPropertyName("parentID")]
    public string? ParentId { get; init; }

    /// <summary>Gets the timestamps (<see cref="OpencodeTime.Completed"/> is set once an assistant message is done).</summary>
    public OpencodeTime? Time { get; init; }

    /// <summary>Gets why the model stopped: <c>tool-calls</c> while the agent loop continues, <c>stop</c> at the end.</summary>
    public string? Finish { get; init; }

    /// <summary>Gets the cost in US dollars (0 for free or local models).</summary>
    public double Cost { get; init; }

    /// <summary>Gets the token usage, or null.</summary>
    public OpencodeTokens? Tokens { get; init; }

    /// <summary>Gets the error of a failed assistant message, or null.</summary>
    public OpencodeMessageError? Error { get; init; }

    /// <summary>Gets the model id, or null.</summary>
    [JsonPropertyName("modelID")]
    public string? ModelId { get; init; }

    /// <summary>Gets the provider id, or null.</summary>
    [JsonPropertyName("providerID")]
    public string? ProviderId { get; init; }

    /// <summary>Gets the agent name, or null.</summary>
    public string? Agent { get; init; }

    /// <summary>Gets a value indicating whether this is an assistant message.</summary>
    [JsonIgnore]
    public bool IsAssistant => string.Equals(Role, "assistant", StringComparison.Ordinal);

    /// <summary>Gets a value indicating whether this is a user message.</summary>
    [JsonIgnore]
    public bool IsUser => string.Equals(Role, "user", StringComparison.Ordinal);
}
