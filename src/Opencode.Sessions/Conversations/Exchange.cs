using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Opencode.Sessions.Opencode;

namespace Opencode.Sessions.Conversations;

/// <summary>
/// The messages one turn produced (see <see cref="TurnResult.Exchange"/>), and the files its tool calls wrote.
/// </summary>
public sealed class Exchange
{
    private readonly ILogger _logger;

    /// <summary>Initializes a new instance.</summary>
    /// <param name="messages">The turn's messages (non-assistant messages are ignored).</param>
    /// <param name="logger">Receives a note per <c>apply_patch</c> call whose files cannot be extracted; null for none.</param>
    public Exchange(IEnumerable<OpencodeMessage> messages, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(messages);
        Messages = messages.ToArray();
        _logger = logger ?? NullLogger.Instance;
    }

    /// <summary>Gets the messages.</summary>
    public IReadOnlyList<OpencodeMessage> Messages { get; }

    /// <summary>
    /// Returns the files written by completed <c>write</c> calls (content from the call's input; at most
    /// <see cref="Sandbox.DefaultMaxFileBytes"/>; first write of a name wins), minus <paramref name="exclude"/>.
    /// <c>apply_patch</c> results carry no file content on the wire: each such call is logged and traced as
    /// <c>opencode.apply_patch.artifacts_dropped</c> (read those files from the <see cref="Sandbox"/> instead).
    /// </summary>
    /// <param name="exclude">File names to leave out (for example names owned by a host-side renderer).</param>
    /// <returns>The artifacts.</returns>
    public IReadOnlyList<Artifact> ToolArtifacts(IEnumerable<string>? exclude = null)
    {
        var excluded = new HashSet<string>(exclude ?? [], StringComparer.Ordinal);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var artifacts = new List<Artifact>();
        foreach (var part in AssistantToolParts())
        {
            if (part.Tool == "apply_patch")
            {
                ReportDroppedPatch(part);
                continue;
            }

            if (part.Tool != "write" || Input(part, "content") is not { Length: > 0 } content || Input(part, "filePath") is not { Length: > 0 } filePath)
            {
                continue;
            }

            var bytes = Encoding.UTF8.GetBytes(content);
            var name = Path.GetFileName(filePath);
            if (bytes.Length > Sandbox.DefaultMaxFileBytes || name.Length == 0 || !seen.Add(name) || excluded.Contains(name))
            {
                continue;
            }

            artifacts.Add(new Artifact(name, bytes, ContentTypes.ForFileName(name)));
        }

        return artifacts;
    }

    private IEnumerable<OpencodePart> AssistantToolParts() =>
        Messages.Where(m => m.Info.IsAssistant)
            .SelectMany(m => m.Parts)
            .Where(p => p.Type == "tool" && p.State?.Status == "completed");

    private void ReportDroppedPatch(OpencodePart part)
    {
        var paths = new List<string>();
        if (part.State?.Metadata is { ValueKind: JsonValueKind.Object } metadata &&
            metadata.TryGetProperty("files", out var files) && files.ValueKind == JsonValueKind.Array)
        {
            foreach (var file in files.EnumerateArray().Where(f => f.ValueKind == JsonValueKind.Object))
            {
                if (file.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String && type.GetString() == "delete")
                {
                    continue;
                }

                paths.Add(file.TryGetProperty("relativePath", out var relative) && relative.ValueKind == JsonValueKind.String ? relative.GetString()! : "");
            }
        }

        if (paths.Count == 0)
        {
            return;
        }

        var shown = paths.Where(p => p.Length > 0).Take(5).ToArray();
        Activity.Current?.AddEvent(new ActivityEvent("opencode.apply_patch.artifacts_dropped", tags: new ActivityTagsCollection
        {
            ["file_count"] = paths.Count,
            ["relative_paths"] = string.Join(",", shown),
            ["message_id"] = part.MessageId,
            ["session_id"] = part.SessionId,
        }));
        ConversationsLog.PatchArtifactsDropped(_logger, paths.Count, string.Join(", ", shown), part.MessageId ?? "", part.SessionId ?? "");
    }

    private static string? Input(OpencodePart part, string name) =>
        part.State?.Input is { ValueKind: JsonValueKind.Object } input && input.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;
}
