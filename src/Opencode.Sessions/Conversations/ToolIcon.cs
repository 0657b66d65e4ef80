namespace Opencode.Sessions.Conversations;

/// <summary>An abstract icon for a tool call; the view layer maps it to an image (names follow Heroicons).</summary>
public enum ToolIcon
{
    /// <summary>The fallback for unknown tools (and skills).</summary>
    Sparkles,

    /// <summary>Reading a file.</summary>
    Document,

    /// <summary>Writing a file.</summary>
    DocumentPlus,

    /// <summary>Editing or patching a file.</summary>
    PencilSquare,

    /// <summary>Running a shell command.</summary>
    CommandLine,

    /// <summary>Searching file contents or looking up code.</summary>
    DocumentMagnifyingGlass,

    /// <summary>Searching file names or code.</summary>
    MagnifyingGlass,

    /// <summary>Listing a directory.</summary>
    RectangleStack,

    /// <summary>Anything on the web.</summary>
    Globe,

    /// <summary>The agent's plan.</summary>
    QueueList,

    /// <summary>A sub-agent task.</summary>
    Robot,
}
