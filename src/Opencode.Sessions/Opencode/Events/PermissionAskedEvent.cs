namespace Opencode.Sessions.Opencode.Events;

/// <summary><c>permission.asked</c>: a tool call needs permission and waits for a reply.</summary>
public sealed record PermissionAskedEvent : OpencodeEvent
{
    /// <summary>The wire type of this event.</summary>
    public const string WireType = "permission.asked";

    /// <summary>Initializes a new instance with <see cref="OpencodeEvent.Type"/> set to <see cref="WireType"/>.</summary>
    public PermissionAskedEvent()
    {
        Type = WireType;
    }

    /// <summary>Gets the request id (<c>per_…</c>).</summary>
    public string RequestId { get; init; } = "";

    /// <summary>Gets the permission name (for example <c>bash</c>).</summary>
    public string? Permission { get; init; }

    /// <summary>Gets the patterns the call would match.</summary>
    public IReadOnlyList<string> Patterns { get; init; } = [];

    /// <summary>Gets the tool call that asked, or null.</summary>
    public OpencodeToolReference? Tool { get; init; }
}
