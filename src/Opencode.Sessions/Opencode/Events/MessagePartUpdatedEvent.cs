namespace Opencode.Sessions.Opencode.Events;

/// <summary><c>message.part.updated</c>: a part was created or changed (full state of the part).</summary>
public sealed record MessagePartUpdatedEvent : OpencodeEvent
{
    /// <summary>The wire type of this event.</summary>
    public const string WireType = "message.part.updated";

    /// <summary>Initializes a new instance with <see cref="OpencodeEvent.Type"/> set to <see cref="WireType"/>.</summary>
    public MessagePartUpdatedEvent()
    {
        Type = WireType;
    }

    /// <summary>Gets the part.</summary>
    public OpencodePart Part { get; init; } = new();
}
