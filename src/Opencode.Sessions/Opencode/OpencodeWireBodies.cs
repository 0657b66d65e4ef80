using System.Text.Json.Nodes;

namespace Opencode.Sessions.Opencode;

/// <summary>Builds request bodies: opencode's schemas forbid extra keys, so nulls are never written.</summary>
internal static class OpencodeWireBodies
{
    public static JsonObject CreateSession(CreateSessionRequest request)
    {
        var body = new JsonObject();
        Add(body, "title", request.Title);
        Add(body, "permission", Rules(request.Permission));
        Add(body, "parentID", request.ParentId);
        Add(body, "agent", request.Agent);
        if (request.Model is { } model)
        {
            // POST /session names the model "id" (a prompt names it "modelID").
            var node = new JsonObject { ["providerID"] = model.ProviderId, ["id"] = model.ModelId };
            Add(node, "variant", model.Variant);
            body["model"] = node;
        }

        Add(body, "metadata", request.Metadata?.DeepClone());
        Add(body, "workspaceID", request.WorkspaceId);
        return body;
    }

    public static JsonObject UpdateSession(UpdateSessionRequest request)
    {
        var body = new JsonObject();
        Add(body, "title", request.Title);
        Add(body, "metadata", request.Metadata?.DeepClone());
        Add(body, "permission", Rules(request.Permission));
        return body;
    }

    public static JsonObject Prompt(PromptRequest request)
    {
        if (request.Parts.Count == 0)
        {
            throw new ArgumentException("A prompt needs at least one part (PromptRequest.FromText creates one).", nameof(request));
        }

        var parts = new JsonArray();
        foreach (var part in request.Parts)
        {
            parts.Add(part.ToJson());
        }

        var body = new JsonObject { ["parts"] = parts };
        Add(body, "messageID", request.MessageId);
        if (request.Model is { } model)
        {
            body["model"] = new JsonObject { ["providerID"] = model.ProviderId, ["modelID"] = model.ModelId };
        }

        Add(body, "agent", request.Agent);
        Add(body, "noReply", request.NoReply);
        if (request.Tools is { } tools)
        {
            var node = new JsonObject();
            foreach (var (name, enabled) in tools)
            {
                node[name] = enabled;
            }

            body["tools"] = node;
        }

        Add(body, "format", request.Format?.DeepClone());
        Add(body, "system", request.System);
        Add(body, "variant", request.Variant ?? request.Model?.Variant);
        return body;
    }

    public static JsonObject QuestionReply(IReadOnlyList<IReadOnlyList<string>> answers)
    {
        var outer = new JsonArray();
        foreach (var answer in answers)
        {
            var inner = new JsonArray();
            foreach (var label in answer)
            {
                inner.Add(label);
            }

            outer.Add(inner);
        }

        return new JsonObject { ["answers"] = outer };
    }

    public static JsonObject PermissionReply(PermissionReply reply, string? message)
    {
        var body = new JsonObject { ["reply"] = Lower(reply.ToString()) };
        Add(body, "message", message);
        return body;
    }

    private static JsonArray? Rules(IReadOnlyList<PermissionRule>? rules)
    {
        if (rules is null)
        {
            return null;
        }

        var array = new JsonArray();
        foreach (var rule in rules)
        {
            array.Add(new JsonObject
            {
                ["permission"] = rule.Permission,
                ["pattern"] = rule.Pattern,
                ["action"] = Lower(rule.Action.ToString()),
            });
        }

        return array;
    }

    private static string Lower(string value) => value.ToLowerInvariant();

    private static void Add(JsonObject body, string name, JsonNode? value)
    {
        if (value is not null)
        {
            body[name] = value;
        }
    }

    private static void Add(JsonObject body, string name, string? value)
    {
        if (value is not null)
        {
            body[name] = value;
        }
    }

    private static void Add(JsonObject body, string name, bool? value)
    {
        if (value is { } v)
        {
            body[name] = v;
        }
    }
}
