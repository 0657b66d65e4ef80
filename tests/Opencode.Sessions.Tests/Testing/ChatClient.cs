using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Opencode.Sessions.Testing;

namespace Opencode.Sessions.Tests.Testing;

/// <summary>A minimal OpenAI-style client for the scripted model server: posts a request and parses the SSE answer.</summary>
internal static class ChatClient
{
    public const string SystemPrompt =
        "You are opencode.\nHere is some useful information about the environment you are running in:\n<env>\n" +
        "  Working directory: /work/dir\n  Workspace root folder: /work/dir\n  Is directory a git repo: no\n</env>";

    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(30) };

    /// <summary>An agent-loop request like opencode's (system prompt with an env block, a user message, two tools).</summary>
    public static JsonObject AgentRequest(string userText = "hello", string systemPrompt = SystemPrompt) => new()
    {
        ["model"] = ScriptedModelServer.DefaultModelId,
        ["max_tokens"] = 4096,
        ["messages"] = new JsonArray(
            new JsonObject { ["role"] = "system", ["content"] = systemPrompt },
            new JsonObject { ["role"] = "user", ["content"] = userText }),
        ["tools"] = new JsonArray(Tool("bash"), Tool("write")),
        ["tool_choice"] = "auto",
        ["stream"] = true,
        ["stream_options"] = new JsonObject { ["include_usage"] = true },
    };

    /// <summary>A title request like opencode's (no tools).</summary>
    public static JsonObject TitleRequest() => new()
    {
        ["model"] = ScriptedModelServer.DefaultModelId,
        ["messages"] = new JsonArray(
            new JsonObject { ["role"] = "system", ["content"] = "You are a title generator. You output ONLY a thread title." },
            new JsonObject { ["role"] = "user", ["content"] = "Generate a title for this conversation:\n" }),
        ["stream"] = true,
    };

    public static HttpRequestMessage Message(ScriptedModelServer server, JsonNode body, string? sessionId = null, string? apiKey = "scripted-key")
    {
        var request = new HttpRequestMessage(HttpMethod.Post, server.BaseUrl + "/chat/completions")
        {
            Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"),
        };
        if (apiKey is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        }

        if (sessionId is not null)
        {
            request.Headers.Add("x-session-id", sessionId);
        }

        return request;
    }

    /// <summary>Posts and reads the whole SSE answer.</summary>
    public static async Task<SseAnswer> PostAsync(ScriptedModelServer server, JsonNode body, CancellationToken cancellationToken, string? sessionId = null)
    {
        using var request = Message(server, body, sessionId);
        using var response = await Http.SendAsync(request, cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        return new SseAnswer(response.StatusCode, response.Content.Headers.ContentType?.MediaType, text);
    }

    /// <summary>Starts a streaming request and returns the response once the headers arrived (the caller disposes it).</summary>
    public static async Task<HttpResponseMessage> OpenStreamAsync(ScriptedModelServer server, JsonNode body, CancellationToken cancellationToken, string? sessionId = null)
    {
        using var request = Message(server, body, sessionId);
        return await Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
    }

    public static async Task<HttpResponseMessage> SendRawAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
        await Http.SendAsync(request, cancellationToken);

    private static JsonObject Tool(string name) => new()
    {
        ["type"] = "function",
        ["function"] = new JsonObject { ["name"] = name, ["description"] = name, ["parameters"] = new JsonObject { ["type"] = "object" } },
    };
}
