using Opencode.Sessions.Opencode;

namespace Opencode.Sessions.Conversations;

/// <summary>The outcome of one <see cref="Turn"/>: status, answer, parts, usage, timing and, on failure, the cause.</summary>
public sealed record TurnResult
{
    /// <summary>The <see cref="ErrorCode"/> of a turn whose model call failed upstream.</summary>
    public const string UpstreamLlmError = "upstream_llm_error";

    /// <summary>The <see cref="ErrorCode"/> of a turn that produced no text.</summary>
    public const string EmptyStream = "empty_stream";

    /// <summary>Gets how the turn ended.</summary>
    public TurnStatus Status { get; init; }

    /// <summary>
    /// Gets the text to show: the answer when completed, the partial answer (or the stopped text) when cancelled,
    /// the fallback text on error or failure.
    /// </summary>
    public string Text { get; init; } = "";

    /// <summary>Gets the reasoning text (blank-line joined), or "".</summary>
    public string ReasoningText { get; init; } = "";

    /// <summary>Gets every part of the answer in order.</summary>
    public IReadOnlyList<ReplyPart> Parts { get; init; } = [];

    /// <summary>Gets the tool calls that finished (completed or error).</summary>
    public IReadOnlyList<ReplyPart> ToolParts { get; init; } = [];

    /// <summary>Gets the assistant messages of this turn (for artifacts), oldest first; may be empty.</summary>
    public IReadOnlyList<OpencodeMessage> Exchange { get; init; } = [];

    /// <summary>Gets the session the turn ran in (after a recreation, the new one), or null if none was obtained.</summary>
    public string? SessionId { get; init; }

    /// <summary>Gets a value indicating whether the session was created by this turn.</summary>
    public bool SessionCreated { get; init; }

    /// <summary>Gets a value indicating whether the session was recreated and the prompt re-sent.</summary>
    public bool SessionRecreated { get; init; }

    /// <summary>Gets the wall-clock duration.</summary>
    public TimeSpan Duration { get; init; }

    /// <summary>Gets the cost in US dollars of this turn's assistant messages.</summary>
    public double Cost { get; init; }

    /// <summary>Gets the token usage of this turn's assistant messages (cache included).</summary>
    public OpencodeTokens Tokens { get; init; } = new();

    /// <summary>Gets <see cref="UpstreamLlmError"/> or <see cref="EmptyStream"/> for <see cref="TurnStatus.Error"/>, else null.</summary>
    public string? ErrorCode { get; init; }

    /// <summary>Gets the model's error reported by opencode, or null.</summary>
    public OpencodeMessageError? UpstreamError { get; init; }

    /// <summary>Gets the exception of a <see cref="TurnStatus.Failed"/> turn, or null.</summary>
    public Exception? Exception { get; init; }

    /// <summary>Gets a value indicating whether the turn completed.</summary>
    public bool IsCompleted => Status == TurnStatus.Completed;

    /// <summary>Gets a value indicating whether the turn was cancelled.</summary>
    public bool IsCancelled => Status == TurnStatus.Cancelled;

    /// <summary>Gets a value indicating whether the turn ended in an upstream or empty-stream error.</summary>
    public bool IsError => Status == TurnStatus.Error;

    /// <summary>Gets a value indicating whether an exception stopped the turn.</summary>
    public bool IsFailed => Status == TurnStatus.Failed;
}
