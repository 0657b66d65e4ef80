namespace Opencode.Sessions.Opencode.Events;

/// <summary><c>session.idle</c>: the legacy end-of-turn signal (follows an idle <c>session.status</c>).</summary>
public sealed record SessionIdleEvent : OpencodeEvent
{
    /// <summary>The wire type of this event.</summary>
    public const string WireType = "session.idle";

    /// <summary>Initializes a new instance with <see cref="OpencodeEvent.Type"/> set to <see cref="WireType"/>.</summary>
    public SessionIdleEvent()
    {
        Type = WireType;
    }

    /// <inheritdoc/>
    public override bool IsTerminal => true;
}
