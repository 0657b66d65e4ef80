using System.Text.Json;
using System.Text.Json.Serialization;

namespace Opencode.Sessions.Opencode.Events;

/// <summary>
/// One event of opencode's <c>GET /event</c> stream. Known types arrive as sealed subclasses
/// (<see cref="MessagePartUpdatedEvent"/>, <see cref="SessionStatusEvent"/>, …); any other type arrives as a plain
/// <see cref="OpencodeEvent"/> with its raw <see cref="Properties"/>.
/// </summary>
public record OpencodeEvent
{
    /// <summary>Gets the event type (for example <c>message.part.updated</c>).</summary>
    public string Type { get; init; } = "";

    /// <summary>Gets the event id (<c>evt_…</c>), or null.</summary>
    public string? Id { get; init; }

    /// <summary>
    /// Gets the session the event belongs to: <c>properties.sessionID</c>, else <c>properties.info.sessionID</c>,
    /// else <c>properties.part.sessionID</c>; null for server-wide events.
    /// </summary>
    public string? SessionId { get; init; }

    /// <summary>Gets the raw <c>properties</c> object.</summary>
    public JsonElement Properties { get; init; }

    /// <summary>Gets a value indicating whether this is a <c>server.*</c> event (connected, heartbeat, …).</summary>
    [JsonIgnore]
    public bool IsServerEvent => Type.StartsWith("server.", StringComparison.Ordinal);

    /// <summary>Gets a value indicating whether the session went idle: <c>session.idle</c> or a <c>session.status</c> of type idle.</summary>
    [JsonIgnore]
    public virtual bool IsTerminal => false;
}
