namespace Opencode.Sessions.Opencode.Events;

/// <summary><c>permission.replied</c>: a permission request was answered.</summary>
public sealed record PermissionRepliedEvent : OpencodeEvent
{
    /// <summary>The wire type of this event.</summary>
    public const string WireType = "permission.replied";

    /// <summary>Initializes a new instance with <see cref="OpencodeEvent.Type"/> set to <see cref="WireType"/>.</summary>
    public PermissionRepliedEvent()
    {
        Type = WireType;
    }

    /// <summary>Gets the request id.</summary>
    public string RequestId { get; init; } = "";

    /// <summary>Gets the reply (<c>once</c>, <c>always</c> or <c>reject</c>), or null.</summary>
    public string? Reply { get; init; }
}
