namespace Opencode.Sessions.Conversations;

/// <summary>How a <see cref="Turn"/> ended.</summary>
public enum TurnStatus
{
    /// <summary>The assistant answered; <see cref="TurnResult.Text"/> holds the answer.</summary>
    Completed,

    /// <summary>The turn was cancelled (token cancelled, or the session aborted); partial output is kept.</summary>
    Cancelled,

    /// <summary>The model failed upstream or produced no answer (<see cref="TurnResult.ErrorCode"/> says which).</summary>
    Error,

    /// <summary>An exception stopped the turn (<see cref="TurnResult.Exception"/>).</summary>
    Failed,
}
