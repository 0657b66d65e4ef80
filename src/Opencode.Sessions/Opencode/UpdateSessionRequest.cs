using System.Text.Json.Nodes;

namespace Opencode.Sessions.Opencode;

/// <summary>The fields of <c>PATCH /session/:id</c>; null members are left unchanged.</summary>
public sealed record UpdateSessionRequest
{
    /// <summary>Gets the new title, or null.</summary>
    public string? Title { get; init; }

    /// <summary>Gets new metadata, or null.</summary>
    public JsonObject? Metadata { get; init; }

    /// <summary>Gets rules to add. opencode APPENDS them to the existing rules; patch only when the policy changes.</summary>
    public IReadOnlyList<PermissionRule>? Permission { get; init; }
}
