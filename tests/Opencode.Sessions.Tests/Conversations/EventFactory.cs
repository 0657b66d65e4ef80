using System.Text.Json.Nodes;
using Opencode.Sessions.Opencode.Events;

namespace Opencode.Sessions.Tests.Conversations;

/// <summary>Builds typed events the way the parser does, from wire JSON.</summary>
internal static class EventFactory
{
    public static OpencodeEvent Parse(string type, JsonObject properties)
    {
        var json = new JsonObject { ["type"] = type, ["properties"] = properties }.ToJsonString();
        Assert.That(OpencodeEventParser.TryParse(json, out var parsed), Is.True, json);
        return parsed!;
    }

    public static OpencodeEvent Delta(string partId, string delta, string field = "text") =>
        Parse("message.part.delta", new JsonObject { ["sessionID"] = "ses_1", ["partID"] = partId, ["field"] = field, ["delta"] = delta });

    public static OpencodeEvent TextUpdated(string partId, string text, string type = "text") =>
        Parse("message.part.updated", new JsonObject { ["part"] = new JsonObject { ["id"] = partId, ["sessionID"] = "ses_1", ["messageID"] = "msg_1", ["type"] = type, ["text"] = text } });

    public static OpencodeEvent Tool(string partId, string tool, string status, JsonObject? state = null, string callId = "call_1")
    {
        state ??= [];
        state["status"] = status;
        return Parse("message.part.updated", new JsonObject
        {
            ["part"] = new JsonObject { ["id"] = partId, ["sessionID"] = "ses_1", ["messageID"] = "msg_1", ["type"] = "tool", ["tool"] = tool, ["callID"] = callId, ["state"] = state },
        });
    }

    public static OpencodeEvent StepFinish(double cost, int input, int output) =>
        Parse("message.part.updated", new JsonObject
        {
            ["part"] = new JsonObject { ["id"] = "prt_sf", ["sessionID"] = "ses_1", ["type"] = "step-finish", ["cost"] = cost, ["tokens"] = new JsonObject { ["input"] = input, ["output"] = output } },
        });

    public static OpencodeEvent Todos(params (string Content, string Status)[] todos) =>
        Parse("todo.updated", new JsonObject
        {
            ["sessionID"] = "ses_1",
            ["todos"] = new JsonArray(todos.Select(t => (JsonNode)new JsonObject { ["content"] = t.Content, ["status"] = t.Status, ["priority"] = "high" }).ToArray()),
        });
}
