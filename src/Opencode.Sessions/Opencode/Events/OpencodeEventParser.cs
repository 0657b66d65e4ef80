using System.Text.Json;

namespace Opencode.Sessions.Opencode.Events;

/// <summary>Turns the JSON data of one SSE event into a typed <see cref="OpencodeEvent"/>.</summary>
internal static class OpencodeEventParser
{
    /// <summary>Parses <paramref name="json"/>; false when it is not a JSON object with a string <c>type</c>.</summary>
    public static bool TryParse(string json, out OpencodeEvent? parsed)
    {
        parsed = null;
        JsonElement root;
        try
        {
            using var document = JsonDocument.Parse(json);
            root = document.RootElement.Clone();
        }
        catch (JsonException)
        {
            return false;
        }

        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("type", out var typeElement) || typeElement.ValueKind != JsonValueKind.String)
        {
            return false;
        }

        var type = typeElement.GetString()!;
        var properties = root.TryGetProperty("properties", out var p) && p.ValueKind == JsonValueKind.Object ? p : EmptyObject;
        var id = root.TryGetProperty("id", out var i) && i.ValueKind == JsonValueKind.String ? i.GetString() : null;
        var sessionId = FindSessionId(properties);
        try
        {
            parsed = Typed(type, properties);
        }
        catch (JsonException)
        {
            // A known type whose shape changed: keep it as an untyped event rather than dropping it.
            parsed = null;
        }

        parsed = (parsed ?? new OpencodeEvent { Type = type }) with { Id = id, SessionId = sessionId, Properties = properties };
        return true;
    }

    /// <summary><c>properties.sessionID</c>, else <c>properties.info.sessionID</c>, else <c>properties.part.sessionID</c>.</summary>
    public static string? FindSessionId(JsonElement properties)
    {
        if (properties.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        if (String(properties, "sessionID") is { } direct)
        {
            return direct;
        }

        foreach (var container in (ReadOnlySpan<string>)["info", "part"])
        {
            if (properties.TryGetProperty(container, out var inner) && inner.ValueKind == JsonValueKind.Object && String(inner, "sessionID") is { } nested)
            {
                return nested;
            }
        }

        return null;
    }

    private static readonly JsonElement EmptyObject = JsonDocument.Parse("{}").RootElement.Clone();

    private static OpencodeEvent? Typed(string type, JsonElement p)
    {
        var json = OpencodeJsonContext.Default;
        return type switch
        {
            ServerConnectedEvent.WireType => new ServerConnectedEvent(),
            ServerHeartbeatEvent.WireType => new ServerHeartbeatEvent(),
            SessionIdleEvent.WireType => new SessionIdleEvent(),
            SessionStatusEvent.WireType => Object(p, "status") is { } s
                ? new SessionStatusEvent { Status = s.Deserialize(json.OpencodeSessionStatus) ?? new() }
                : null,
            SessionErrorEvent.WireType => new SessionErrorEvent { Error = Object(p, "error")?.Deserialize(json.OpencodeMessageError) },
            MessageUpdatedEvent.WireType => Object(p, "info") is { } info
                ? new MessageUpdatedEvent { Info = info.Deserialize(json.OpencodeMessageInfo) ?? new() }
                : null,
            MessagePartUpdatedEvent.WireType => Object(p, "part") is { } part
                ? new MessagePartUpdatedEvent { Part = part.Deserialize(json.OpencodePart) ?? new() }
                : null,
            MessagePartDeltaEvent.WireType => new MessagePartDeltaEvent
            {
                MessageId = String(p, "messageID"),
                PartId = String(p, "partID") ?? "",
                Field = String(p, "field") ?? "",
                Delta = String(p, "delta") ?? "",
            },
            TodoUpdatedEvent.WireType => new TodoUpdatedEvent
            {
                Todos = p.TryGetProperty("todos", out var todos) && todos.ValueKind == JsonValueKind.Array
                    ? todos.Deserialize(json.ListOpencodeTodo) ?? []
                    : [],
            },
            QuestionAskedEvent.WireType => String(p, "id") is not null
                ? new QuestionAskedEvent { Question = p.Deserialize(json.OpencodeQuestion) ?? new() }
                : null,
            QuestionRepliedEvent.WireType => new QuestionRepliedEvent { RequestId = String(p, "requestID") ?? "" },
            QuestionRejectedEvent.WireType => new QuestionRejectedEvent { RequestId = String(p, "requestID") ?? "" },
            PermissionAskedEvent.WireType => String(p, "id") is { } permissionId
                ? new PermissionAskedEvent
                {
                    RequestId = permissionId,
                    Permission = String(p, "permission"),
                    Patterns = p.TryGetProperty("patterns", out var patterns) && patterns.ValueKind == JsonValueKind.Array
                        ? patterns.EnumerateArray().Where(x => x.ValueKind == JsonValueKind.String).Select(x => x.GetString()!).ToArray()
                        : [],
                    Tool = Object(p, "tool")?.Deserialize(json.OpencodeToolReference),
                }
                : null,
            PermissionRepliedEvent.WireType => new PermissionRepliedEvent { RequestId = String(p, "requestID") ?? "", Reply = String(p, "reply") },
            _ => null,
        };
    }

    private static JsonElement? Object(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Object ? value : null;

    private static string? String(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
