namespace Opencode.Sessions.Opencode.Events;

/// <summary><c>question.asked</c>: the agent asks the user something and waits for a reply.</summary>
public sealed record QuestionAskedEvent : OpencodeEvent
{
    /// <summary>The wire type of this event.</summary>
    public const string WireType = "question.asked";

    /// <summary>Initializes a new instance with <see cref="OpencodeEvent.Type"/> set to <see cref="WireType"/>.</summary>
    public QuestionAskedEvent()
    {
        Type = WireType;
    }

    /// <summary>Gets the question request (its <see cref="OpencodeQuestion.Id"/> is the request id to reply to).</summary>
    public OpencodeQuestion Question { get; init; } = new();
}
