using System.Text.Json.Nodes;

namespace Opencode.Sessions.Testing;

/// <summary>
/// A request the <see cref="ScriptedModelServer"/> received on <c>POST /v1/chat/completions</c>, parsed, together
/// with how it was answered. Recorded before the answer is streamed, so a test can react while it streams.
/// </summary>
public sealed class ModelRequest
{
    private readonly string _rawBody;
    private readonly TaskCompletionSource<ModelReplyOutcome> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

    internal ModelRequest(DateTimeOffset receivedAt, IReadOnlyDictionary<string, string> headers, string rawBody, JsonObject? json)
    {
        ReceivedAt = receivedAt;
        Headers = headers;
        _rawBody = rawBody;
        Json = json;
        Model = (json?["model"] as JsonValue)?.TryGetValue<string>(out var model) == true ? model : null;
        Stream = (json?["stream"] as JsonValue)?.TryGetValue<bool>(out var stream) == true && stream;
        Messages = Internal.ModelRequestParser.ParseMessages(json?["messages"] as JsonArray);
        ToolNames = Internal.ModelRequestParser.ParseToolNames(json?["tools"] as JsonArray);
        SystemPrompt = string.Join("\n", Messages.Where(m => m.Role == "system").Select(m => m.Content));
        WorkingDirectory = Internal.ModelRequestParser.FindWorkingDirectory(SystemPrompt);
        IsTitleRequest = ToolNames.Count == 0 &&
            Messages.Any(m => m.Role == "system" && m.Content.TrimStart().StartsWith(TitlePromptPrefix, StringComparison.Ordinal));
        SessionId = headers.TryGetValue("x-session-id", out var sessionId) && sessionId.Length > 0 ? sessionId : null;
    }

    /// <summary>The text that starts opencode's title-generation system prompt.</summary>
    public const string TitlePromptPrefix = "You are a title generator";

    /// <summary>
    /// Gets the position of this request in <see cref="ScriptedModelServer.Requests"/> (0 = first); -1 while the
    /// <see cref="ScriptedModelServerOptions.Responder"/> runs, because a request is recorded once its reply is chosen.
    /// </summary>
    public int Sequence { get; internal set; } = -1;

    /// <summary>Gets when the request was received.</summary>
    public DateTimeOffset ReceivedAt { get; }

    /// <summary>Gets the request headers (case-insensitive names).</summary>
    public IReadOnlyDictionary<string, string> Headers { get; }

    /// <summary>Gets the opencode session id from the <c>x-session-id</c> header, or <see langword="null"/>.</summary>
    public string? SessionId { get; }

    /// <summary>Gets a value indicating whether this is opencode's title-generation request (no tools, title prompt).</summary>
    public bool IsTitleRequest { get; }

    /// <summary>Gets the requested model id (the key under <c>provider.&lt;id&gt;.models</c>), or <see langword="null"/>.</summary>
    public string? Model { get; }

    /// <summary>Gets a value indicating whether the request asked for a stream (opencode always does).</summary>
    public bool Stream { get; }

    /// <summary>Gets the messages, in order (the full history opencode resends each step).</summary>
    public IReadOnlyList<ModelMessage> Messages { get; }

    /// <summary>Gets the names of the offered tools, in order (empty for title requests).</summary>
    public IReadOnlyList<string> ToolNames { get; }

    /// <summary>Gets the system messages' text joined by newlines (empty when there is none).</summary>
    public string SystemPrompt { get; }

    /// <summary>
    /// Gets the session's working directory as opencode states it in the system prompt's <c>&lt;env&gt;</c> block
    /// (<c>  Working directory: /path</c>), or <see langword="null"/> when absent (title requests).
    /// </summary>
    public string? WorkingDirectory { get; }

    /// <summary>Gets the parsed request body, or <see langword="null"/> when it was not a JSON object.</summary>
    public JsonObject? Json { get; }

    /// <summary>Gets the text of the last <c>user</c> message, or <see langword="null"/>.</summary>
    public string? LastUserText => Messages.LastOrDefault(m => m.Role == "user")?.Content;

    /// <summary>Gets the <c>tool</c> messages (the results of earlier tool calls), in order.</summary>
    public IEnumerable<ModelMessage> ToolResults => Messages.Where(m => m.Role == "tool");

    /// <summary>Gets where the answer came from.</summary>
    public ModelReplySource Source { get; internal set; }

    /// <summary>Gets the answer (<see langword="null"/> for rejected requests).</summary>
    public ScriptedReply? Reply { get; internal set; }

    /// <summary>Gets a value indicating whether the applicable script was exhausted and the fallback text was sent.</summary>
    public bool ScriptExhausted => Source == ModelReplySource.ScriptExhausted;

    /// <summary>Gets a task that completes when the answer has ended, with how it ended.</summary>
    public Task<ModelReplyOutcome> Completion => _completion.Task;

    /// <summary>Gets the request body as received (UTF-8 decoded).</summary>
    /// <returns>The raw JSON text.</returns>
    public string GetRawBody() => _rawBody;

    /// <summary>Returns a one-line description for test output.</summary>
    /// <returns>For example <c>#2 ses_… agent (DefaultScript ToolCalls)</c>.</returns>
    public override string ToString() =>
        $"#{Sequence} {SessionId ?? "(no session)"} {(IsTitleRequest ? "title" : "agent")} ({Source} {Reply?.Kind.ToString() ?? "-"})";

    internal void Complete(ModelReplyOutcome outcome) => _completion.TrySetResult(outcome);
}
