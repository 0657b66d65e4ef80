namespace Opencode.Sessions.Opencode.Events;

/// <summary><c>message.part.delta</c>: text appended to a streaming <c>text</c> or <c>reasoning</c> part.</summary>
public sealed record MessagePartDeltaEvent : OpencodeEvent
{
    /// <summary>The wire type of this event.</summary>
    public const string WireType = "message.part.delta";

    /// <summary>Initializes a new instance with <see cref="OpencodeEvent.Type"/> set to <see cref="WireType"/>.</summary>
    public MessagePartDeltaEvent()
    {
        Type = WireType;
    }

    /// <summary>Gets the message id.</summary>
    public string? MessageId { get; init; }

    /// <summary>Gets the part id.</summary>
    public string PartId { get; init; } = "";

    /// <summary>Gets the field the delta extends (<c>text</c> or <c>reasoning</c>).</summary>
    public string Field { get; init; } = "";

    /// <summary>Gets the appended text.</summary>
    public string Delta { get; init; } = "";
}
