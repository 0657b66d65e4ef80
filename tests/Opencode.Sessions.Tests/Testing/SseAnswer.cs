using System.Net;
using System.Text.Json.Nodes;

namespace Opencode.Sessions.Tests.Testing;

/// <summary>A parsed SSE answer.</summary>
internal sealed record SseAnswer(HttpStatusCode Status, string? MediaType, string Body)
{
    /// <summary>The raw <c>data:</c> payloads, in order.</summary>
    public IReadOnlyList<string> Data => Body.Split("\n\n", StringSplitOptions.RemoveEmptyEntries)
        .Select(frame => frame.StartsWith("data: ", StringComparison.Ordinal) ? frame["data: ".Length..] : throw new FormatException($"not a data frame: {frame}"))
        .ToArray();

    /// <summary>The JSON chunks (every payload but <c>[DONE]</c>).</summary>
    public IReadOnlyList<JsonObject> Chunks => Data.Where(d => d != "[DONE]").Select(d => (JsonObject)JsonNode.Parse(d)!).ToArray();

    public IEnumerable<JsonObject> Deltas => Chunks.Select(c => (JsonObject)c["choices"]![0]!["delta"]!);

    /// <summary>The concatenated content fragments.</summary>
    public string Content => string.Concat(Deltas.Select(d => (string?)d["content"]));

    public string? FinishReason => Chunks.Select(c => (string?)c["choices"]![0]!["finish_reason"]).LastOrDefault(f => f is not null);
}
