using System.Text.Json;
using System.Text.Json.Nodes;

namespace Opencode.Sessions.Testing;

/// <summary>A tool call in the history opencode sent (an earlier assistant message's <c>tool_calls</c> entry).</summary>
/// <param name="Id">The call id (the one the server streamed).</param>
/// <param name="Name">The tool name.</param>
/// <param name="Arguments">The arguments as the JSON text opencode sent back.</param>
public sealed record ModelToolCall(string Id, string Name, string Arguments)
{
    /// <summary>Parses <see cref="Arguments"/> as a JSON object.</summary>
    /// <returns>The object, or <see langword="null"/> when the text is not a JSON object.</returns>
    public JsonObject? ParseArguments()
    {
        try
        {
            return JsonNode.Parse(Arguments) as JsonObject;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
