namespace Opencode.Sessions.Opencode.Events;

/// <summary><c>server.heartbeat</c>: sent every 10 seconds to keep the connection alive.</summary>
public sealed record ServerHeartbeatEvent : OpencodeEvent
{
    /// <summary>The wire type of this event.</summary>
    public const string WireType = "server.heartbeat";

    /// <summary>Initializes a new instance with <see cref="OpencodeEvent.Type"/> set to <see cref="WireType"/>.</summary>
    public ServerHeartbeatEvent()
    {
        Type = WireType;
    }
}
