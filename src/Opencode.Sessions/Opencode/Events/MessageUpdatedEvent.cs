namespace Opencode.Sessions.Opencode.Events;

/// <summary><c>message.updated</c>: a message's info changed (created, tokens, finish, completed, error).</summary>
public sealed record MessageUpdatedEvent : OpencodeEvent
{
    /// <summary>The wire type of this event.</summary>
    public const string WireType = "message.updated";

    /// <summary>Initializes a new instance with <see cref="OpencodeEvent.Type"/> set to <see cref="WireType"/>.</summary>
    public MessageUpdatedEvent()
    {
        Type = WireType;
    }

    /// <summary>Gets the message info.</summary>
    public OpencodeMessageInfo Info { get; init; } = new();
}
