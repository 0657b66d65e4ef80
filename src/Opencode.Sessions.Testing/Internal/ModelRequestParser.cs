using System.Text.Json.Nodes;

namespace Opencode.Sessions.Testing.Internal;

/// <summary>Turns the JSON of a chat-completions request into <see cref="ModelRequest"/> fields.</summary>
internal static class ModelRequestParser
{
    private const string WorkingDirectoryLabel = "Working directory: ";

    public static IReadOnlyList<ModelMessage> ParseMessages(JsonArray? messages)
    {
        if (messages is null)
        {
            return [];
        }

        var result = new List<ModelMessage>(messages.Count);
        foreach (var node in messages)
        {
            if (node is not JsonObject message)
            {
                continue;
            }

            result.Add(new ModelMessage(
                GetString(message["role"]) ?? "",
                ContentText(message["content"]),
                ParseToolCalls(message["tool_calls"] as JsonArray),
                GetString(message["tool_call_id"]),
                message));
        }

        return result;
    }

    public static IReadOnlyList<string> ParseToolNames(JsonArray? tools) =>
        tools is null
            ? []
            : tools.OfType<JsonObject>().Select(t => GetString(t["function"]?["name"]) ?? GetString(t["name"]) ?? "").ToArray();

    /// <summary>Finds <c>Working directory: …</c> in the <c>&lt;env&gt;</c> block of the system prompt.</summary>
    public static string? FindWorkingDirectory(string systemPrompt)
    {
        var env = systemPrompt.IndexOf("<env>", StringComparison.Ordinal);
        var searchFrom = env < 0 ? 0 : env;
        foreach (var line in systemPrompt[searchFrom..].Split('\n'))
        {
            var trimmed = line.Trim();
            if (trimmed.StartsWith(WorkingDirectoryLabel, StringComparison.Ordinal))
            {
                return trimmed[WorkingDirectoryLabel.Length..].Trim();
            }

            if (trimmed == "</env>")
            {
                break;
            }
        }

        return null;
    }

    private static IReadOnlyList<ModelToolCall> ParseToolCalls(JsonArray? calls) =>
        calls is null
            ? []
            : calls.OfType<JsonObject>()
                .Select(c => new ModelToolCall(
                    GetString(c["id"]) ?? "",
                    GetString(c["function"]?["name"]) ?? "",
                    GetString(c["function"]?["arguments"]) ?? ""))
                .ToArray();

    private static string ContentText(JsonNode? content) => content switch
    {
        null => "",
        JsonValue value => value.TryGetValue<string>(out var text) ? text : value.ToJsonString(),
        JsonArray parts => string.Join("\n", parts.OfType<JsonObject>()
            .Where(p => GetString(p["type"]) is null or "text")
            .Select(p => GetString(p["text"]) ?? "")),
        _ => content.ToJsonString(),
    };

    private static string? GetString(JsonNode? node) =>
        node is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;
}
