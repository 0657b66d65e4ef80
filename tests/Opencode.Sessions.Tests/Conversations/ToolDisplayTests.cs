using System.Text.Json;
using System.Text.Json.Nodes;
using Opencode.Sessions.Conversations;
using Opencode.Sessions.Opencode;

namespace Opencode.Sessions.Tests.Conversations;

public sealed class ToolDisplayTests
{
    private static ToolDisplay Display(string tool, string status = "completed", JsonObject? input = null, JsonObject? metadata = null, string? title = null, string? output = null) =>
        new(ReplyPart.CreateTool(tool, status, input, output, metadata, title));

    [TestCase("read", "filePath", "/a/b.md", "Read", "Reading", ToolIcon.Document, "Read /a/b.md")]
    [TestCase("write", "filePath", "/x.py", "Write", "Writing", ToolIcon.DocumentPlus, "Wrote /x.py")]
    [TestCase("edit", "path", "app.rb", "Edit", "Editing", ToolIcon.PencilSquare, "Edited app.rb")]
    [TestCase("multiedit", "filePath", "a.ts", "Edit", "Editing", ToolIcon.PencilSquare, "Edited a.ts")]
    [TestCase("apply_patch", "filePath", "a.ts", "Patch", "Applying changes", ToolIcon.PencilSquare, "Applied changes to a.ts")]
    [TestCase("bash", "command", "ls -la", "Bash", "Running command", ToolIcon.CommandLine, "Ran ls -la")]
    [TestCase("grep", "pattern", "TODO", "Grep", "Searching files", ToolIcon.DocumentMagnifyingGlass, "Searched for TODO")]
    [TestCase("glob", "pattern", "**/*.cs", "Glob", "Searching files", ToolIcon.MagnifyingGlass, "Searched for **/*.cs")]
    [TestCase("list", "path", "/src", "LS", "Listing files", ToolIcon.RectangleStack, "Listed /src")]
    [TestCase("ls", "path", "/src", "LS", "Listing files", ToolIcon.RectangleStack, "Listed /src")]
    [TestCase("webfetch", "url", "https://x.dev", "Fetch", "Reading web page", ToolIcon.Globe, "Fetched https://x.dev")]
    [TestCase("local-web-search_fetch_url", "url", "https://x.dev", "Fetch", "Reading web page", ToolIcon.Globe, "Fetched https://x.dev")]
    [TestCase("websearch", "query", "dotnet", "Web search", "Searching the web", ToolIcon.Globe, "Searched dotnet")]
    [TestCase("exa_web_search_exa", "query", "dotnet", "Web search", "Searching the web", ToolIcon.Globe, "Searched dotnet")]
    [TestCase("local-web-search_search_web", "q", "dotnet", "Web search", "Searching the web", ToolIcon.Globe, "Searched dotnet")]
    [TestCase("codesearch", "query", "Span<T>", "Code search", "Searching code", ToolIcon.MagnifyingGlass, "Searched code for Span<T>")]
    [TestCase("exa_get_code_context_exa", "query", "q", "Code lookup", "Looking up code", ToolIcon.DocumentMagnifyingGlass, "Looked up q")]
    [TestCase("company_research_exa", "query", "Acme", "Company research", "Researching company", ToolIcon.Globe, "Researched Acme")]
    [TestCase("task", "description", "Find docs", "Task", "Researching", ToolIcon.Robot, "Ran subtask Find docs")]
    [TestCase("skill", "name", "pdf", "Skill", "Loading skill", ToolIcon.Sparkles, "Loaded skill pdf")]
    public void KnownTool_Labels_FollowTheTable(string tool, string field, string target, string kind, string gerund, ToolIcon icon, string past)
    {
        var display = Display(tool, input: new JsonObject { [field] = target });

        Assert.That(display.IsKnown, Is.True);
        Assert.That(display.Kind, Is.EqualTo(kind));
        Assert.That(display.Gerund, Is.EqualTo(gerund));
        Assert.That(display.Icon, Is.EqualTo(icon));
        Assert.That(display.Target, Is.EqualTo(target));
        Assert.That(display.Title, Is.EqualTo($"{kind}: {target}"));
        Assert.That(display.PastTenseTitle, Is.EqualTo(past));
    }

    [Test]
    public void TodoWrite_NoTarget_KindAndPastOnlyAndSortedTodos()
    {
        var todos = new JsonArray(
            new JsonObject { ["content"] = "c", ["status"] = "completed" },
            new JsonObject { ["content"] = "x", ["status"] = "cancelled" },
            new JsonObject { ["content"] = "p", ["status"] = "pending" },
            new JsonObject { ["content"] = "i", ["status"] = "in-progress" });
        var display = Display("todowrite", input: new JsonObject { ["todos"] = todos });

        Assert.That(display.Title, Is.EqualTo("Plan"));
        Assert.That(display.PastTenseTitle, Is.EqualTo("Updated plan"));
        Assert.That(display.Todos.Select(t => t.Content), Is.EqualTo(new[] { "i", "p", "c", "x" }));
        Assert.That(display.Todos[0].Status, Is.EqualTo("in_progress"));
    }

    [TestCase("exa_web_fetch_exa", "web_fetch", "Web fetch", "exa")]
    [TestCase("exa_nonexistent", "nonexistent", "Nonexistent", "exa")]
    [TestCase("brave_read", "read", "Read", "brave")]
    [TestCase("my_custom_tool", "my_custom_tool", "My custom tool", "unknown")]
    [TestCase("read", "read", "Read", "opencode-builtin")]
    public void CanonicalTool_McpDecoration_StrippedAndProviderFound(string tool, string canonical, string kind, string provider)
    {
        var display = Display(tool);

        Assert.That(display.CanonicalTool, Is.EqualTo(canonical));
        Assert.That(display.Kind, Is.EqualTo(kind));
        Assert.That(display.Provider, Is.EqualTo(provider));
    }

    [Test]
    public void UnknownTool_UsesOpencodeTitleElseKind()
    {
        Assert.That(Display("mcp_thing", title: "Did a thing").Title, Is.EqualTo("Did a thing"));
        Assert.That(Display("mcp_thing").PastTenseTitle, Is.EqualTo("Mcp thing"));
        Assert.That(Display("mcp_thing").Gerund, Is.EqualTo("Mcp thing..."));
        Assert.That(Display("mcp_thing").Icon, Is.EqualTo(ToolIcon.Sparkles));
    }

    [Test]
    public void RichContent_BashReadGrepGlobWriteEdit()
    {
        var bash = Display("bash", input: new JsonObject { ["command"] = "ls" }, metadata: new JsonObject { ["stdout"] = "a\nb", ["description"] = "list" }, output: "raw");
        Assert.That(bash.BashCommand, Is.EqualTo("ls"));
        Assert.That(bash.BashOutput, Is.EqualTo("a\nb"));
        Assert.That(bash.BashDescription, Is.EqualTo("list"));
        Assert.That(Display("bash", output: "raw").BashOutput, Is.EqualTo("raw"));
        Assert.That(Display("read", metadata: new JsonObject { ["preview"] = "line 1" }).ReadPreview, Is.EqualTo("line 1"));
        Assert.That(Display("grep", metadata: new JsonObject { ["matches"] = 7 }).MatchCount, Is.EqualTo(7));
        Assert.That(Display("glob", metadata: new JsonObject { ["count"] = 3 }).MatchCount, Is.EqualTo(3));
        Assert.That(Display("bash").MatchCount, Is.Null);
        var write = Display("write", input: new JsonObject { ["filePath"] = "/w/notes.MD", ["content"] = "# hi" });
        Assert.That(write.FileContent, Is.EqualTo("# hi"));
        Assert.That(write.FileLanguage, Is.EqualTo("markdown"));
        Assert.That(Display("write", input: new JsonObject { ["filePath"] = "/w/x.weird" }).FileLanguage, Is.EqualTo("weird"));
        Assert.That(Display("edit", metadata: new JsonObject { ["diff"] = "@@ -1 +1 @@" }).Diff, Is.EqualTo("@@ -1 +1 @@"));
    }

    [TestCase("pending", true, false, false, false, false, true)]
    [TestCase("running", false, true, false, false, false, true)]
    [TestCase("completed", false, false, true, false, true, false)]
    [TestCase("error", false, false, false, true, true, false)]
    public void StatusPredicates_MatchStatus(string status, bool pending, bool running, bool completed, bool errored, bool terminal, bool inFlight)
    {
        var display = Display("bash", status);

        Assert.That(new[] { display.IsPending, display.IsRunning, display.IsCompleted, display.IsErrored, display.IsTerminal, display.IsInFlight },
            Is.EqualTo(new[] { pending, running, completed, errored, terminal, inFlight }));
    }

    [Test]
    public void FromWire_FlattensStateAndToleratesNull()
    {
        var part = new OpencodePart
        {
            Type = "tool",
            Tool = "bash",
            State = new OpencodeToolState { Status = "running", Input = JsonDocument.Parse("""{"command":"make"}""").RootElement, Title = "make" },
        };

        Assert.That(ToolDisplay.FromWire(part).Title, Is.EqualTo("Bash: make"));
        Assert.That(ToolDisplay.FromWire(null).Kind, Is.EqualTo(""));
        Assert.That(ToolDisplay.FromWire(null).Target, Is.Null);
    }
}
