using System.Text.Json.Nodes;

namespace Opencode.Sessions.Opencode;

/// <summary>The optional fields of <c>POST /session</c>; null members are omitted from the body.</summary>
public sealed record CreateSessionRequest
{
    /// <summary>Gets the title. Setting one suppresses opencode's extra title-generation model call.</summary>
    public string? Title { get; init; }

    /// <summary>Gets the parent session id, making this a child session, or null.</summary>
    public string? ParentId { get; init; }

    /// <summary>Gets the agent name (for example <c>build</c>), or null for the default.</summary>
    public string? Agent { get; init; }

    /// <summary>Gets the model, or null for the configured default.</summary>
    public OpencodeModel? Model { get; init; }

    /// <summary>Gets free-form metadata stored with the session, or null.</summary>
    public JsonObject? Metadata { get; init; }

    /// <summary>
    /// Gets the permission rules. They apply from creation on; opencode appends rules on update, so recreate the
    /// session when the policy changes.
    /// </summary>
    public IReadOnlyList<PermissionRule>? Permission { get; init; }

    /// <summary>Gets the workspace id, or null.</summary>
    public string? WorkspaceId { get; init; }
}
