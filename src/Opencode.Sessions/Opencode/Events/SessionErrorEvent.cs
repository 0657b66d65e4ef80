namespace Opencode.Sessions.Opencode.Events;

/// <summary><c>session.error</c>: the session hit an error (provider failure, abort, …).</summary>
public sealed record SessionErrorEvent : OpencodeEvent
{
    /// <summary>The wire type of this event.</summary>
    public const string WireType = "session.error";

    /// <summary>Initializes a new instance with <see cref="OpencodeEvent.Type"/> set to <see cref="WireType"/>.</summary>
    public SessionErrorEvent()
    {
        Type = WireType;
    }

    /// <summary>Gets the error, or null when the event carried none.</summary>
    public OpencodeMessageError? Error { get; init; }
}
