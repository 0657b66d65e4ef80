using System.Text.Json.Nodes;

namespace Opencode.Sessions.Testing;

/// <summary>
/// One answer of the <see cref="ScriptedModelServer"/> to one model request: streamed text, streamed tool calls, a
/// stream that hangs, or an HTTP error. Immutable; the <c>With…</c> methods return modified copies.
/// </summary>
/// <example>
/// <code>
/// server.Enqueue(
///     ScriptedReply.Bash("echo hi > made.txt"),
///     ScriptedReply.Text("All done.").WithChunkDelay(TimeSpan.FromMilliseconds(50)));
/// </code>
/// </example>
public sealed record ScriptedReply
{
    /// <summary>The default number of characters per streamed content or argument fragment.</summary>
    public const int DefaultChunkSize = 32;

    private ScriptedReply(ScriptedReplyKind kind)
    {
        Kind = kind;
    }

    /// <summary>Gets what kind of answer this is.</summary>
    public ScriptedReplyKind Kind { get; }

    /// <summary>
    /// Gets the streamed assistant text: the answer of a <see cref="ScriptedReplyKind.Text"/> reply, text streamed
    /// before the calls of a <see cref="ScriptedReplyKind.ToolCalls"/> reply, or before a <see cref="ScriptedReplyKind.Hang"/>.
    /// </summary>
    public string Content { get; private init; } = "";

    /// <summary>Gets the tool calls of a <see cref="ScriptedReplyKind.ToolCalls"/> reply (empty otherwise).</summary>
    public IReadOnlyList<ScriptedToolCall> Calls { get; private init; } = [];

    /// <summary>Gets the HTTP status of a <see cref="ScriptedReplyKind.HttpError"/> reply (200 otherwise).</summary>
    public int StatusCode { get; private init; } = 200;

    /// <summary>Gets the JSON body of a <see cref="ScriptedReplyKind.HttpError"/> reply (empty otherwise).</summary>
    public string ErrorBody { get; private init; } = "";

    /// <summary>Gets the number of characters per content or argument fragment. Default <see cref="DefaultChunkSize"/>.</summary>
    public int ChunkSize { get; private init; } = DefaultChunkSize;

    /// <summary>Gets the pause before the response starts (before the HTTP status line is sent). Default zero.</summary>
    public TimeSpan InitialDelay { get; private init; }

    /// <summary>Gets the pause between two streamed chunks. Default zero.</summary>
    public TimeSpan ChunkDelay { get; private init; }

    /// <summary>Gets the <c>finish_reason</c> sent; <see langword="null"/> = <c>stop</c> for text, <c>tool_calls</c> for calls.</summary>
    public string? FinishReason { get; private init; }

    /// <summary>Gets the reported prompt tokens; <see langword="null"/> = estimated from the request size.</summary>
    public int? PromptTokens { get; private init; }

    /// <summary>Gets the reported completion tokens; <see langword="null"/> = estimated from the streamed text.</summary>
    public int? CompletionTokens { get; private init; }

    /// <summary>Creates a streamed text answer, which ends the agent's turn.</summary>
    /// <param name="text">The answer (may be empty).</param>
    /// <param name="chunkSize">Characters per streamed <c>content</c> fragment; <see langword="null"/> = <see cref="DefaultChunkSize"/>.</param>
    /// <returns>The reply.</returns>
    public static ScriptedReply Text(string text, int? chunkSize = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        return new ScriptedReply(ScriptedReplyKind.Text) { Content = text }.WithChunkSize(chunkSize ?? DefaultChunkSize);
    }

    /// <summary>
    /// Creates a slow text answer: one character per chunk by default, <paramref name="chunkDelay"/> apart. Use it to
    /// cancel or abort while the model is still "typing".
    /// </summary>
    /// <param name="text">The answer.</param>
    /// <param name="chunkDelay">The pause between chunks.</param>
    /// <param name="chunkSize">Characters per chunk. Default 1.</param>
    /// <returns>The reply.</returns>
    public static ScriptedReply Slow(string text, TimeSpan chunkDelay, int chunkSize = 1) =>
        Text(text, chunkSize).WithChunkDelay(chunkDelay);

    /// <summary>Creates a reply with one tool call.</summary>
    /// <param name="name">The tool name, for example <c>bash</c> or <c>write</c>.</param>
    /// <param name="arguments">The tool's arguments.</param>
    /// <returns>The reply.</returns>
    public static ScriptedReply ToolCall(string name, JsonObject arguments) => ToolCalls(new ScriptedToolCall(name, arguments));

    /// <summary>Creates a reply with several tool calls in one assistant message (streamed with indexes 0, 1, …).</summary>
    /// <param name="calls">The calls, at least one.</param>
    /// <returns>The reply.</returns>
    /// <exception cref="ArgumentException"><paramref name="calls"/> is empty or holds <see langword="null"/>.</exception>
    public static ScriptedReply ToolCalls(params ScriptedToolCall[] calls)
    {
        ArgumentNullException.ThrowIfNull(calls);
        if (calls.Length == 0 || calls.Any(c => c is null))
        {
            throw new ArgumentException("A tool-call reply needs at least one call and no null entries.", nameof(calls));
        }

        return new ScriptedReply(ScriptedReplyKind.ToolCalls) { Calls = calls.ToArray() };
    }

    /// <summary>Creates a reply with one <c>bash</c> call (see <see cref="ScriptedToolCall.Bash"/>).</summary>
    /// <param name="command">The shell command; it runs in the session's directory.</param>
    /// <param name="description">The description opencode shows; <see langword="null"/> = the command.</param>
    /// <returns>The reply.</returns>
    public static ScriptedReply Bash(string command, string? description = null) => ToolCalls(ScriptedToolCall.Bash(command, description));

    /// <summary>Creates a reply with one <c>write</c> call (see <see cref="ScriptedToolCall.Write"/>).</summary>
    /// <param name="filePath">Absolute path of the file.</param>
    /// <param name="content">The whole content.</param>
    /// <returns>The reply.</returns>
    public static ScriptedReply Write(string filePath, string content) => ToolCalls(ScriptedToolCall.Write(filePath, content));

    /// <summary>Creates a reply with one <c>read</c> call (see <see cref="ScriptedToolCall.Read"/>).</summary>
    /// <param name="filePath">Absolute path of the file.</param>
    /// <returns>The reply.</returns>
    public static ScriptedReply Read(string filePath) => ToolCalls(ScriptedToolCall.Read(filePath));

    /// <summary>Creates a reply that appends one line to <c>optio.log</c> (see <see cref="ScriptedToolCall.LogLine"/>).</summary>
    /// <param name="line">For example <c>STATUS: 10% reading the input</c> or <c>DONE: wrote the report</c>.</param>
    /// <returns>The reply.</returns>
    public static ScriptedReply LogLine(string line) => ToolCalls(ScriptedToolCall.LogLine(line));

    /// <summary>Creates a reply that writes a deliverable and announces it (see <see cref="ScriptedToolCall.WriteDeliverable"/>).</summary>
    /// <param name="relativePath">Path below <c>deliverables/</c>.</param>
    /// <param name="content">The file content.</param>
    /// <returns>The reply.</returns>
    public static ScriptedReply WriteDeliverable(string relativePath, string content) =>
        ToolCalls(ScriptedToolCall.WriteDeliverable(relativePath, content));

    /// <summary>
    /// Creates a reply that opens the stream (role chunk, then <paramref name="text"/> if any) and then sends nothing
    /// until the client disconnects or the server is disposed, like a stuck provider. Use it for abort and cancel tests.
    /// </summary>
    /// <param name="text">Text streamed before hanging; empty for none.</param>
    /// <returns>The reply.</returns>
    public static ScriptedReply Hang(string text = "")
    {
        ArgumentNullException.ThrowIfNull(text);
        return new ScriptedReply(ScriptedReplyKind.Hang) { Content = text };
    }

    /// <summary>Creates a plain HTTP error answer. Note that opencode retries some statuses (429, 5xx), each retry being a new request.</summary>
    /// <param name="statusCode">The status, 400–599.</param>
    /// <param name="body">The JSON body; <see langword="null"/> = an OpenAI-style <c>{"error":{"message":…}}</c>.</param>
    /// <returns>The reply.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="statusCode"/> is not an error status.</exception>
    public static ScriptedReply HttpError(int statusCode, string? body = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(statusCode, 400);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(statusCode, 599);
        body ??= new JsonObject
        {
            ["error"] = new JsonObject
            {
                ["message"] = $"scripted error {statusCode}",
                ["type"] = statusCode == 400 ? "invalid_request_error" : "server_error",
                ["code"] = statusCode,
            },
        }.ToJsonString();
        return new ScriptedReply(ScriptedReplyKind.HttpError) { StatusCode = statusCode, ErrorBody = body };
    }

    /// <summary>Returns a copy that streams fragments of <paramref name="chunkSize"/> characters.</summary>
    /// <param name="chunkSize">Characters per fragment, at least 1.</param>
    /// <returns>The modified copy.</returns>
    public ScriptedReply WithChunkSize(int chunkSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(chunkSize, 1);
        return this with { ChunkSize = chunkSize };
    }

    /// <summary>Returns a copy that waits <paramref name="delay"/> between streamed chunks.</summary>
    /// <param name="delay">The pause, zero or more.</param>
    /// <returns>The modified copy.</returns>
    public ScriptedReply WithChunkDelay(TimeSpan delay)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(delay, TimeSpan.Zero);
        return this with { ChunkDelay = delay };
    }

    /// <summary>Returns a copy that waits <paramref name="delay"/> before sending anything.</summary>
    /// <param name="delay">The pause, zero or more.</param>
    /// <returns>The modified copy.</returns>
    public ScriptedReply WithInitialDelay(TimeSpan delay)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(delay, TimeSpan.Zero);
        return this with { InitialDelay = delay };
    }

    /// <summary>Returns a copy that streams <paramref name="text"/> before its tool calls (or before hanging).</summary>
    /// <param name="text">The assistant text.</param>
    /// <returns>The modified copy.</returns>
    /// <exception cref="InvalidOperationException">This is an HTTP error reply.</exception>
    public ScriptedReply WithText(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return Kind == ScriptedReplyKind.HttpError
            ? throw new InvalidOperationException("An HTTP error reply has no streamed text.")
            : this with { Content = text };
    }

    /// <summary>Returns a copy that ends with a different <c>finish_reason</c>, for example <c>length</c>.</summary>
    /// <param name="finishReason">The finish reason.</param>
    /// <returns>The modified copy.</returns>
    public ScriptedReply WithFinishReason(string finishReason)
    {
        ArgumentException.ThrowIfNullOrEmpty(finishReason);
        return this with { FinishReason = finishReason };
    }

    /// <summary>Returns a copy that reports the given token usage on its finish chunk.</summary>
    /// <param name="promptTokens">Prompt (input) tokens.</param>
    /// <param name="completionTokens">Completion (output) tokens.</param>
    /// <returns>The modified copy.</returns>
    public ScriptedReply WithUsage(int promptTokens, int completionTokens)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(promptTokens);
        ArgumentOutOfRangeException.ThrowIfNegative(completionTokens);
        return this with { PromptTokens = promptTokens, CompletionTokens = completionTokens };
    }
}
