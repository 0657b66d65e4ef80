using System.Text.Json.Nodes;

namespace Opencode.Sessions.Opencode;

/// <summary>The body of <c>POST /session/:id/message</c> and <c>/prompt_async</c>; null members are omitted.</summary>
public sealed record PromptRequest
{
    /// <summary>Gets the input parts (at least one).</summary>
    public IReadOnlyList<PromptPart> Parts { get; init; } = [];

    /// <summary>Gets an explicit user message id (<c>msg_…</c>), or null to let opencode assign one.</summary>
    public string? MessageId { get; init; }

    /// <summary>Gets the model for this prompt, or null for the session's.</summary>
    public OpencodeModel? Model { get; init; }

    /// <summary>Gets the agent for this prompt, or null.</summary>
    public string? Agent { get; init; }

    /// <summary>Gets a value indicating whether only to store the message without running the model, or null.</summary>
    public bool? NoReply { get; init; }

    /// <summary>Gets tools to enable (true) or disable (false) for this prompt, or null.</summary>
    public IReadOnlyDictionary<string, bool>? Tools { get; init; }

    /// <summary>Gets extra system instructions for this prompt, or null.</summary>
    public string? System { get; init; }

    /// <summary>Gets the model variant, or null.</summary>
    public string? Variant { get; init; }

    /// <summary>Gets the output format (<c>{"type":"text"}</c> or <c>{"type":"json_schema", schema, retryCount?}</c>), or null.</summary>
    public JsonObject? Format { get; init; }

    /// <summary>Creates a request with one text part.</summary>
    /// <param name="text">The prompt text.</param>
    /// <returns>The request.</returns>
    public static PromptRequest FromText(string text) => new() { Parts = [PromptPart.Text(text)] };
}
