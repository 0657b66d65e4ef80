using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace Opencode.Sessions.Testing.Internal;

/// <summary>
/// Streams a <see cref="ScriptedReply"/> as OpenAI chat-completion chunks over server-sent events, in the exact shape
/// opencode's <c>@ai-sdk/openai-compatible</c> provider parses: a role chunk, content fragments, tool-call chunks (id
/// and name first, then argument fragments), a finish chunk with <c>finish_reason</c> and <c>usage</c>, then <c>[DONE]</c>.
/// </summary>
internal sealed class SseReplyWriter
{
    private readonly HttpResponse _response;
    private readonly string _completionId;
    private readonly long _created;
    private readonly string _model;
    private readonly ScriptedReply _reply;
    private bool _first = true;

    public SseReplyWriter(HttpResponse response, string completionId, long created, string model, ScriptedReply reply)
    {
        _response = response;
        _completionId = completionId;
        _created = created;
        _model = model;
        _reply = reply;
    }

    /// <summary>Streams the whole reply. For <see cref="ScriptedReplyKind.Hang"/> it returns only through cancellation.</summary>
    public async Task WriteAsync(int promptTokensEstimate, Func<string> nextCallId, CancellationToken cancellationToken)
    {
        _response.StatusCode = 200;
        _response.ContentType = "text/event-stream";
        _response.Headers.CacheControl = "no-cache";
        await _response.StartAsync(cancellationToken).ConfigureAwait(false);
        await WriteChunkAsync(new JsonObject { ["role"] = "assistant", ["content"] = "" }, null, null, cancellationToken).ConfigureAwait(false);
        foreach (var piece in Split(_reply.Content, _reply.ChunkSize))
        {
            await WriteChunkAsync(new JsonObject { ["content"] = piece }, null, null, cancellationToken).ConfigureAwait(false);
        }

        if (_reply.Kind == ScriptedReplyKind.Hang)
        {
            await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(false);
        }

        var completionChars = _reply.Content.Length;
        for (var index = 0; index < _reply.Calls.Count; index++)
        {
            var call = _reply.Calls[index];
            var head = new JsonObject
            {
                ["index"] = index,
                ["id"] = call.Id ?? nextCallId(),
                ["type"] = "function",
                ["function"] = new JsonObject { ["name"] = call.Name, ["arguments"] = "" },
            };
            await WriteChunkAsync(new JsonObject { ["tool_calls"] = new JsonArray(head) }, null, null, cancellationToken).ConfigureAwait(false);
            foreach (var fragment in Split(call.ArgumentsJson, _reply.ChunkSize))
            {
                var part = new JsonObject { ["index"] = index, ["function"] = new JsonObject { ["arguments"] = fragment } };
                await WriteChunkAsync(new JsonObject { ["tool_calls"] = new JsonArray(part) }, null, null, cancellationToken).ConfigureAwait(false);
            }

            completionChars += call.Name.Length + call.ArgumentsJson.Length;
        }

        var finishReason = _reply.FinishReason ?? (_reply.Kind == ScriptedReplyKind.ToolCalls ? "tool_calls" : "stop");
        var prompt = _reply.PromptTokens ?? promptTokensEstimate;
        var completion = _reply.CompletionTokens ?? Math.Max(1, completionChars / 4);
        var usage = new JsonObject { ["prompt_tokens"] = prompt, ["completion_tokens"] = completion, ["total_tokens"] = prompt + completion };
        await WriteChunkAsync(new JsonObject(), finishReason, usage, cancellationToken).ConfigureAwait(false);
        await DelayAsync(cancellationToken).ConfigureAwait(false);
        await WriteFrameAsync("data: [DONE]\n\n", cancellationToken).ConfigureAwait(false);
        await _response.CompleteAsync().ConfigureAwait(false);
    }

    /// <summary>Splits text into pieces of at most <paramref name="size"/> characters, never inside a surrogate pair.</summary>
    internal static IEnumerable<string> Split(string text, int size)
    {
        for (var start = 0; start < text.Length;)
        {
            var length = Math.Min(size, text.Length - start);
            if (start + length < text.Length && char.IsHighSurrogate(text[start + length - 1]))
            {
                length++;
            }

            yield return text.Substring(start, length);
            start += length;
        }
    }

    private async Task WriteChunkAsync(JsonObject delta, string? finishReason, JsonObject? usage, CancellationToken cancellationToken)
    {
        if (!_first)
        {
            await DelayAsync(cancellationToken).ConfigureAwait(false);
        }

        _first = false;
        var chunk = new JsonObject
        {
            ["id"] = _completionId,
            ["object"] = "chat.completion.chunk",
            ["created"] = _created,
            ["model"] = _model,
            ["choices"] = new JsonArray(new JsonObject { ["index"] = 0, ["delta"] = delta, ["finish_reason"] = finishReason }),
        };
        if (usage is not null)
        {
            chunk["usage"] = usage;
        }

        await WriteFrameAsync("data: " + chunk.ToJsonString() + "\n\n", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Writes one SSE frame and flushes it, so the client sees every chunk as it is streamed.</summary>
    private async Task WriteFrameAsync(string frame, CancellationToken cancellationToken)
    {
        await _response.Body.WriteAsync(Encoding.UTF8.GetBytes(frame), cancellationToken).ConfigureAwait(false);
        await _response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    private Task DelayAsync(CancellationToken cancellationToken) =>
        _reply.ChunkDelay > TimeSpan.Zero ? Task.Delay(_reply.ChunkDelay, cancellationToken) : Task.CompletedTask;
}
