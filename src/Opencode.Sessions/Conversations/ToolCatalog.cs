namespace Opencode.Sessions.Conversations;

/// <summary>The single table behind <see cref="ToolDisplay"/>: one row per tool with dedicated rendering.</summary>
internal static class ToolCatalog
{
    public static readonly IReadOnlyDictionary<string, Entry> Tools = new Dictionary<string, Entry>(StringComparer.Ordinal)
    {
        ["read"] = new("Read", "Reading", ToolIcon.Document, "Read"),
        ["write"] = new("Write", "Writing", ToolIcon.DocumentPlus, "Wrote"),
        ["edit"] = new("Edit", "Editing", ToolIcon.PencilSquare, "Edited"),
        ["multiedit"] = new("Edit", "Editing", ToolIcon.PencilSquare, "Edited"),
        ["apply_patch"] = new("Patch", "Applying changes", ToolIcon.PencilSquare, "Applied changes to"),
        ["bash"] = new("Bash", "Running command", ToolIcon.CommandLine, "Ran"),
        ["grep"] = new("Grep", "Searching files", ToolIcon.DocumentMagnifyingGlass, "Searched for"),
        ["glob"] = new("Glob", "Searching files", ToolIcon.MagnifyingGlass, "Searched for"),
        ["list"] = new("LS", "Listing files", ToolIcon.RectangleStack, "Listed"),
        ["ls"] = new("LS", "Listing files", ToolIcon.RectangleStack, "Listed"),
        ["webfetch"] = new("Fetch", "Reading web page", ToolIcon.Globe, "Fetched"),
        ["fetch_url"] = new("Fetch", "Reading web page", ToolIcon.Globe, "Fetched"),
        ["websearch"] = new("Web search", "Searching the web", ToolIcon.Globe, "Searched"),
        ["web_search_exa"] = new("Web search", "Searching the web", ToolIcon.Globe, "Searched"),
        ["search_web"] = new("Web search", "Searching the web", ToolIcon.Globe, "Searched"),
        ["codesearch"] = new("Code search", "Searching code", ToolIcon.MagnifyingGlass, "Searched code for"),
        ["get_code_context_exa"] = new("Code lookup", "Looking up code", ToolIcon.DocumentMagnifyingGlass, "Looked up"),
        ["company_research_exa"] = new("Company research", "Researching company", ToolIcon.Globe, "Researched"),
        ["todowrite"] = new("Plan", "Planning", ToolIcon.QueueList, "Updated plan"),
        ["todoread"] = new("Plan", "Reading plan", ToolIcon.QueueList, "Read plan"),
        ["task"] = new("Task", "Researching", ToolIcon.Robot, "Ran subtask"),
        ["skill"] = new("Skill", "Loading skill", ToolIcon.Sparkles, "Loaded skill"),
    };

    /// <summary>MCP servers: the prefix opencode puts before their tools, and the canonical tools they provide.</summary>
    public static readonly IReadOnlyList<(string Provider, string Prefix, string[] Canonical)> Providers =
    [
        ("local-web-search", "local-web-search_", ["search_web", "fetch_url"]),
        ("tavily", "tavily_", []),
        ("serper", "serper_", []),
        ("brave", "brave_", []),
        ("exa", "exa_", ["web_search_exa", "get_code_context_exa", "company_research_exa"]),
    ];

    public static readonly IReadOnlyDictionary<string, string> LanguageByExtension = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["md"] = "markdown", ["markdown"] = "markdown", ["rb"] = "ruby", ["rake"] = "ruby", ["py"] = "python",
        ["js"] = "javascript", ["mjs"] = "javascript", ["ts"] = "typescript", ["tsx"] = "typescript", ["jsx"] = "jsx",
        ["json"] = "json", ["yml"] = "yaml", ["yaml"] = "yaml", ["html"] = "html", ["erb"] = "erb", ["css"] = "css",
        ["scss"] = "scss", ["sh"] = "shell", ["bash"] = "shell", ["zsh"] = "shell", ["conf"] = "shell", ["sql"] = "sql",
        ["go"] = "go", ["rs"] = "rust", ["c"] = "c", ["h"] = "c", ["cpp"] = "cpp", ["hpp"] = "cpp", ["cs"] = "csharp",
        ["java"] = "java", ["kt"] = "kotlin", ["swift"] = "swift", ["php"] = "php", ["lua"] = "lua", ["toml"] = "toml",
        ["xml"] = "xml",
    };

    /// <summary>Strips MCP decoration: the prefix, and also the matching <c>_exa</c>-style suffix unless the single strip is known.</summary>
    public static string Canonicalize(string name)
    {
        if (name.Length == 0 || Tools.ContainsKey(name))
        {
            return name;
        }

        foreach (var (_, prefix, _) in Providers)
        {
            if (!name.StartsWith(prefix, StringComparison.Ordinal))
            {
                continue;
            }

            var stripped = name[prefix.Length..];
            if (Tools.ContainsKey(stripped))
            {
                return stripped;
            }

            var suffix = "_" + prefix.TrimEnd('_');
            if (!stripped.EndsWith(suffix, StringComparison.Ordinal))
            {
                return stripped;
            }

            var both = stripped[..^suffix.Length];
            return both.Length == 0 ? stripped : both;
        }

        return name;
    }

    /// <summary>Rails-style humanize: underscores to spaces, lower case, first letter upper case.</summary>
    public static string Humanize(string name)
    {
        var text = name.Replace('_', ' ').Trim().ToLowerInvariant();
        return text.Length == 0 ? text : char.ToUpperInvariant(text[0]) + text[1..];
    }

    internal sealed record Entry(string Kind, string Gerund, ToolIcon Icon, string Past);
}
