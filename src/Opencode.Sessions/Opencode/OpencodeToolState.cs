using System.Text.Json;

namespace Opencode.Sessions.Opencode;

/// <summary>The <c>state</c> of a tool part.</summary>
public sealed record OpencodeToolState
{
    /// <summary>Gets the status: <c>pending</c>, <c>running</c>, <c>completed</c> or <c>error</c>.</summary>
    public string? Status { get; init; }

    /// <summary>Gets the tool's input arguments (an object), or null.</summary>
    public JsonElement? Input { get; init; }

    /// <summary>Gets the tool's output of a completed call, or null.</summary>
    public string? Output { get; init; }

    /// <summary>Gets opencode's title for the call (for bash: the command), or null.</summary>
    public string? Title { get; init; }

    /// <summary>Gets tool-specific metadata (bash: output/exit; edit: diff; grep: matches…), or null.</summary>
    public JsonElement? Metadata { get; init; }

    /// <summary>Gets the error text of a failed call, or null.</summary>
    public string? Error { get; init; }
}
