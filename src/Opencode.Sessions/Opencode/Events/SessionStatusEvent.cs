namespace Opencode.Sessions.Opencode.Events;

/// <summary><c>session.status</c>: the session became busy, idle, or is retrying a failed model call.</summary>
public sealed record SessionStatusEvent : OpencodeEvent
{
    /// <summary>The wire type of this event.</summary>
    public const string WireType = "session.status";

    /// <summary>Initializes a new instance with <see cref="OpencodeEvent.Type"/> set to <see cref="WireType"/>.</summary>
    public SessionStatusEvent()
    {
        Type = WireType;
    }

    /// <summary>Gets the new state.</summary>
    public OpencodeSessionStatus Status { get; init; } = new();

    /// <inheritdoc/>
    public override bool IsTerminal => Status.IsIdle;
}
