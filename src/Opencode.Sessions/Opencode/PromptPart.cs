using System.Text.Json.Nodes;

namespace Opencode.Sessions.Opencode;

/// <summary>One input part of a prompt: text, a file, an agent mention or a subtask.</summary>
public sealed class PromptPart
{
    private readonly JsonObject _json;

    private PromptPart(string type, JsonObject fields)
    {
        Type = type;
        _json = new JsonObject { ["type"] = type };
        foreach (var (name, value) in fields.ToArray())
        {
            fields.Remove(name);
            _json[name] = value;
        }
    }

    /// <summary>Gets the part type (<c>text</c>, <c>file</c>, <c>agent</c> or <c>subtask</c>).</summary>
    public string Type { get; }

    /// <summary>Creates a text part.</summary>
    /// <param name="text">The text.</param>
    /// <returns>The part.</returns>
    public static PromptPart Text(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return new PromptPart("text", new JsonObject { ["text"] = text });
    }

    /// <summary>Creates a file part.</summary>
    /// <param name="mime">The media type.</param>
    /// <param name="url">A <c>file://</c> or <c>data:</c> URL.</param>
    /// <param name="filename">The file name to show, or null.</param>
    /// <returns>The part.</returns>
    public static PromptPart File(string mime, string url, string? filename = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(mime);
        ArgumentException.ThrowIfNullOrEmpty(url);
        var json = new JsonObject { ["mime"] = mime, ["url"] = url };
        if (filename is not null)
        {
            json["filename"] = filename;
        }

        return new PromptPart("file", json);
    }

    /// <summary>Creates an agent mention part.</summary>
    /// <param name="name">The agent name.</param>
    /// <returns>The part.</returns>
    public static PromptPart Agent(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        return new PromptPart("agent", new JsonObject { ["name"] = name });
    }

    /// <summary>Creates a subtask part (runs <paramref name="prompt"/> in a child session with <paramref name="agent"/>).</summary>
    /// <param name="prompt">The subtask prompt.</param>
    /// <param name="description">A short description.</param>
    /// <param name="agent">The agent that runs it.</param>
    /// <returns>The part.</returns>
    public static PromptPart Subtask(string prompt, string description, string agent)
    {
        ArgumentException.ThrowIfNullOrEmpty(prompt);
        ArgumentException.ThrowIfNullOrEmpty(description);
        ArgumentException.ThrowIfNullOrEmpty(agent);
        return new PromptPart("subtask", new JsonObject { ["prompt"] = prompt, ["description"] = description, ["agent"] = agent });
    }

    internal JsonObject ToJson() => (JsonObject)_json.DeepClone();
}
