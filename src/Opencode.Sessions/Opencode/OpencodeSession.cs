using System.Text.Json.Serialization;

namespace Opencode.Sessions.Opencode;

/// <summary>An opencode session as the server describes it (the fields this library relies on).</summary>
public sealed record OpencodeSession
{
    /// <summary>Gets the session id (<c>ses_…</c>).</summary>
    public string Id { get; init; } = "";

    /// <summary>Gets the human-readable slug, or null.</summary>
    public string? Slug { get; init; }

    /// <summary>Gets the project id (<c>global</c> outside a git repository with commits).</summary>
    [JsonPropertyName("projectID")]
    public string? ProjectId { get; init; }

    /// <summary>Gets the directory the session belongs to.</summary>
    public string? Directory { get; init; }

    /// <summary>Gets the directory relative to the project worktree, or null.</summary>
    public string? Path { get; init; }

    /// <summary>Gets the title.</summary>
    public string? Title { get; init; }

    /// <summary>Gets the opencode version that created the session.</summary>
    public string? Version { get; init; }

    /// <summary>Gets the parent session id of a child session, or null.</summary>
    [JsonPropertyName("parentID")]
    public string? ParentId { get; init; }

    /// <summary>Gets the creation and update timestamps.</summary>
    public OpencodeTime? Time { get; init; }
}
