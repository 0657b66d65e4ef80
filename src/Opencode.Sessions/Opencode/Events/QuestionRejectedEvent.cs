namespace Opencode.Sessions.Opencode.Events;

/// <summary><c>question.rejected</c>: a question was declined.</summary>
public sealed record QuestionRejectedEvent : OpencodeEvent
{
    /// <summary>The wire type of this event.</summary>
    public const string WireType = "question.rejected";

    /// <summary>Initializes a new instance with <see cref="OpencodeEvent.Type"/> set to <see cref="WireType"/>.</summary>
    public QuestionRejectedEvent()
    {
        Type = WireType;
    }

    /// <summary>Gets the request id.</summary>
    public string RequestId { get; init; } = "";
}
