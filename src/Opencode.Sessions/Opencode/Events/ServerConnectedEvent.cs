namespace Opencode.Sessions.Opencode.Events;

/// <summary><c>server.connected</c>: the first frame of every connection; the stream is live from here.</summary>
public sealed record ServerConnectedEvent : OpencodeEvent
{
    /// <summary>The wire type of this event.</summary>
    public const string WireType = "server.connected";

    /// <summary>Initializes a new instance with <see cref="OpencodeEvent.Type"/> set to <see cref="WireType"/>.</summary>
    public ServerConnectedEvent()
    {
        Type = WireType;
    }
}
