using System.Text.Json.Nodes;
using Opencode.Sessions.Opencode;

namespace Opencode.Sessions.Conversations;

/// <summary>
/// What a renderer needs to show one tool call: the canonical tool name (MCP prefixes stripped), labels
/// (<see cref="Kind"/>, <see cref="Gerund"/>, <see cref="Title"/>, <see cref="PastTenseTitle"/>), the
/// <see cref="Target"/> it works on, an <see cref="Icon"/>, status predicates and rich content (diff, todos, file
/// content, bash command and output, read preview, match counts).
/// </summary>
/// <example>
/// <code>
/// var display = new ToolDisplay(part);   // part.Tool == "edit"
/// display.Kind;        // "Edit"
/// display.Gerund;      // "Editing"
/// display.Title;       // "Edit: src/app.cs"
/// display.Diff;        // "@@ -1,3 +1,4 @@ …"
/// </code>
/// </example>
public sealed class ToolDisplay
{
    private static readonly string[] TodoOrder = ["in_progress", "pending", "completed"];
    private readonly ToolCatalog.Entry? _entry;

    /// <summary>Initializes a new instance over a canonical tool part.</summary>
    /// <param name="part">The part, or null (rendered as an unknown tool).</param>
    public ToolDisplay(ReplyPart? part)
    {
        ToolName = part?.Tool ?? "";
        Status = part?.Status ?? "";
        Input = part?.Input ?? [];
        Metadata = part?.Metadata ?? [];
        Output = part?.Output ?? "";
        ErrorText = part?.Error ?? "";
        OpencodeTitle = part?.Title ?? "";
        CanonicalTool = ToolCatalog.Canonicalize(ToolName);
        _entry = ToolCatalog.Tools.GetValueOrDefault(CanonicalTool);
    }

    /// <summary>Gets the tool name as opencode sent it.</summary>
    public string ToolName { get; }

    /// <summary>Gets the tool name with MCP decoration removed (<c>exa_web_search_exa</c> → <c>web_search_exa</c>).</summary>
    public string CanonicalTool { get; }

    /// <summary>Gets a value indicating whether the tool has dedicated rendering.</summary>
    public bool IsKnown => _entry is not null;

    /// <summary>Gets the icon (<see cref="ToolIcon.Sparkles"/> for unknown tools).</summary>
    public ToolIcon Icon => _entry?.Icon ?? ToolIcon.Sparkles;

    /// <summary>Gets the noun label: "Read", "Web search", or the humanized canonical name.</summary>
    public string Kind => _entry?.Kind ?? ToolCatalog.Humanize(CanonicalTool);

    /// <summary>Gets the in-progress phrase: "Reading", "Running command", or "<see cref="Kind"/>...".</summary>
    public string Gerund => _entry?.Gerund ?? Kind + "...";

    /// <summary>Gets the status text.</summary>
    public string Status { get; }

    /// <summary>Gets a value indicating whether the call is pending.</summary>
    public bool IsPending => Status == "pending";

    /// <summary>Gets a value indicating whether the call is running.</summary>
    public bool IsRunning => Status == "running";

    /// <summary>Gets a value indicating whether the call completed.</summary>
    public bool IsCompleted => Status == "completed";

    /// <summary>Gets a value indicating whether the call failed.</summary>
    public bool IsErrored => Status == "error";

    /// <summary>Gets a value indicating whether the call finished (completed or failed).</summary>
    public bool IsTerminal => IsCompleted || IsErrored;

    /// <summary>Gets a value indicating whether the call is still pending or running.</summary>
    public bool IsInFlight => IsPending || IsRunning;

    /// <summary>Gets the input (empty when none).</summary>
    public JsonObject Input { get; }

    /// <summary>Gets the metadata (empty when none).</summary>
    public JsonObject Metadata { get; }

    /// <summary>Gets the raw output ("" when none).</summary>
    public string Output { get; }

    /// <summary>Gets the error text ("" when none).</summary>
    public string ErrorText { get; }

    /// <summary>Gets opencode's own title ("" when none).</summary>
    public string OpencodeTitle { get; }

    /// <summary>Gets the primary target (file path, command, pattern, URL, query, description, skill), or null.</summary>
    public string? Target => NonBlank(CanonicalTool switch
    {
        "read" or "write" or "edit" or "multiedit" or "apply_patch" => Str(Input, "filePath") ?? Str(Input, "path"),
        "bash" => Str(Input, "command"),
        "grep" or "glob" => Str(Input, "pattern"),
        "list" or "ls" => Str(Input, "path"),
        "webfetch" or "fetch_url" => Str(Input, "url"),
        "websearch" or "codesearch" or "web_search_exa" or "get_code_context_exa" or "company_research_exa" => Str(Input, "query"),
        "search_web" => Str(Input, "q"),
        "task" => Str(Input, "description"),
        "skill" => Str(Input, "skill_name") ?? Str(Input, "name"),
        _ => null,
    });

    /// <summary>Gets a one-line label: "Kind: target" (or the kind) for known tools, opencode's title (or the kind) otherwise.</summary>
    public string Title => IsKnown ? (Target is { } t ? $"{Kind}: {t}" : Kind) : NonBlank(OpencodeTitle) ?? Kind;

    /// <summary>Gets the finished label: "Read foo.cs", "Ran ls -la", or as <see cref="Title"/> for unknown tools.</summary>
    public string PastTenseTitle => IsKnown ? (Target is { } t ? $"{_entry!.Past} {t}" : _entry!.Past) : NonBlank(OpencodeTitle) ?? Kind;

    /// <summary>Gets the unified diff of an edit (<c>metadata.diff</c>), or null.</summary>
    public string? Diff => NonBlank(Str(Metadata, "diff"));

    /// <summary>Gets the plan of a todowrite/todoread call (canonical statuses; in progress, pending, completed, others).</summary>
    public IReadOnlyList<OpencodeTodo> Todos =>
        CanonicalTool is not ("todowrite" or "todoread") || Input["todos"] is not JsonArray items
            ? []
            : items.OfType<JsonObject>()
                .Select(t => new OpencodeTodo
                {
                    Id = Str(t, "id"),
                    Content = Str(t, "content") ?? "",
                    Status = (Str(t, "status") ?? "").Replace('-', '_'),
                    Priority = Str(t, "priority"),
                })
                .OrderBy(t => Array.IndexOf(TodoOrder, t.Status) is var i && i >= 0 ? i : 99)
                .ToArray();

    /// <summary>Gets the content a write call creates, or null.</summary>
    public string? FileContent => CanonicalTool == "write" ? NonBlank(Str(Input, "content")) : null;

    /// <summary>Gets a syntax-highlighting hint from the target's extension (the raw extension when unmapped), or null.</summary>
    public string? FileLanguage
    {
        get
        {
            var name = Path.GetFileName(Target ?? "");
            var extension = Path.GetExtension(name).TrimStart('.').ToLowerInvariant();
            return name.Length == 0 || extension.Length == 0 ? null : ToolCatalog.LanguageByExtension.GetValueOrDefault(extension, extension);
        }
    }

    /// <summary>Gets the command of a bash call, or null.</summary>
    public string? BashCommand => CanonicalTool == "bash" ? NonBlank(Str(Input, "command")) : null;

    /// <summary>Gets the output of a bash call (<c>metadata.output</c>, else <c>metadata.stdout</c>, else the output), or null.</summary>
    public string? BashOutput => CanonicalTool == "bash" ? NonBlank(Str(Metadata, "output") ?? Str(Metadata, "stdout") ?? Output) : null;

    /// <summary>Gets the description of a bash call (<c>metadata.description</c>), or null.</summary>
    public string? BashDescription => CanonicalTool == "bash" ? NonBlank(Str(Metadata, "description")) : null;

    /// <summary>Gets the preview of a read call (<c>metadata.preview</c>), or null.</summary>
    public string? ReadPreview => CanonicalTool == "read" ? NonBlank(Str(Metadata, "preview")) : null;

    /// <summary>Gets the match count of grep (<c>metadata.matches</c>) or glob (<c>metadata.count</c>), else null.</summary>
    public int? MatchCount => CanonicalTool switch
    {
        "grep" => Int(Metadata, "matches"),
        "glob" => Int(Metadata, "count"),
        _ => null,
    };

    /// <summary>Gets who provides the tool: an MCP server name, <c>opencode-builtin</c>, or <c>unknown</c>.</summary>
    public string Provider
    {
        get
        {
            foreach (var (provider, prefix, canonical) in ToolCatalog.Providers)
            {
                if (ToolName.StartsWith(prefix, StringComparison.Ordinal) || canonical.Contains(CanonicalTool))
                {
                    return provider;
                }
            }

            return IsKnown ? "opencode-builtin" : "unknown";
        }
    }

    /// <summary>Creates a display for a wire part (its <c>state</c> flattened); null is tolerated.</summary>
    /// <param name="part">The wire part, or null.</param>
    /// <returns>The display.</returns>
    public static ToolDisplay FromWire(OpencodePart? part) => new(part is null ? null : ReplyPart.CreateTool(
        part.Tool ?? "",
        part.State?.Status,
        ReplyPart.ToObject(part.State?.Input),
        part.State?.Output,
        ReplyPart.ToObject(part.State?.Metadata),
        part.State?.Title,
        part.State?.Error));

    private static string? Str(JsonObject json, string name) =>
        json[name] is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;

    private static int Int(JsonObject json, string name) =>
        json[name] is JsonValue value && value.TryGetValue<int>(out var number) ? number
        : json[name] is JsonValue text && text.TryGetValue<string>(out var s) && int.TryParse(s, System.Globalization.CultureInfo.InvariantCulture, out var parsed) ? parsed
        : 0;

    private static string? NonBlank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
