namespace Opencode.Sessions.Opencode.Events;

/// <summary><c>question.replied</c>: a question was answered.</summary>
public sealed record QuestionRepliedEvent : OpencodeEvent
{
    /// <summary>The wire type of this event.</summary>
    public const string WireType = "question.replied";

    /// <summary>Initializes a new instance with <see cref="OpencodeEvent.Type"/> set to <see cref="WireType"/>.</summary>
    public QuestionRepliedEvent()
    {
        Type = WireType;
    }

    /// <summary>Gets the request id.</summary>
    public string RequestId { get; init; } = "";
}
