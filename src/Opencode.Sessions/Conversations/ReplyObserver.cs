using Opencode.Sessions.Opencode;
using Opencode.Sessions.Opencode.Events;

namespace Opencode.Sessions.Conversations;

/// <summary>
/// Receives the domain transitions of a <see cref="Reply"/> (parts appearing and growing, tools advancing,
/// questions, errors). Override only what you need; every callback defaults to doing nothing. Callbacks run on
/// the thread applying the event; an exception thrown by one is logged and does not stop the reply.
/// </summary>
public abstract class ReplyObserver
{
    /// <summary>A part was appended.</summary>
    /// <param name="part">The live part.</param>
    /// <param name="index">Its position.</param>
    public virtual void OnPartAdded(ReplyPart part, int index)
    {
    }

    /// <summary>A text or reasoning part grew by <paramref name="delta"/>.</summary>
    /// <param name="part">The live part.</param>
    /// <param name="index">Its position.</param>
    /// <param name="delta">The appended text.</param>
    public virtual void OnPartChanged(ReplyPart part, int index, string delta)
    {
    }

    /// <summary>A text or reasoning part closed (its content is now authoritative); fires even when unchanged.</summary>
    /// <param name="part">The live part.</param>
    /// <param name="index">Its position.</param>
    public virtual void OnPartFinalized(ReplyPart part, int index)
    {
    }

    /// <summary>A tool part changed status or state.</summary>
    /// <param name="part">The live part.</param>
    /// <param name="index">Its position.</param>
    /// <param name="status">The status now.</param>
    public virtual void OnToolProgressed(ReplyPart part, int index, string? status)
    {
    }

    /// <summary>A model step finished.</summary>
    /// <param name="cost">The step's cost.</param>
    /// <param name="tokens">The step's tokens, or null.</param>
    public virtual void OnStepFinished(double cost, OpencodeTokens? tokens)
    {
    }

    /// <summary>An assistant message's info changed (tokens, cost, finish, error).</summary>
    /// <param name="info">The info.</param>
    public virtual void OnMessageUpdated(OpencodeMessageInfo info)
    {
    }

    /// <summary>The session retries a failed model call (for example after a rate limit).</summary>
    /// <param name="attempt">The attempt number, or null.</param>
    /// <param name="message">The reason.</param>
    public virtual void OnSessionRetried(int? attempt, string message)
    {
    }

    /// <summary>The session reported an error.</summary>
    /// <param name="text"><c>Name: message</c>.</param>
    /// <param name="error">The error, or null.</param>
    public virtual void OnSessionErrored(string text, OpencodeMessageError? error)
    {
    }

    /// <summary>The agent's plan changed.</summary>
    /// <param name="todos">The canonical plan (status hyphens turned into underscores).</param>
    public virtual void OnTodosChanged(IReadOnlyList<OpencodeTodo> todos)
    {
    }

    /// <summary>The agent asked a question and waits (reply with <see cref="OpencodeClient.ReplyToQuestionAsync"/>).</summary>
    /// <param name="question">The request.</param>
    public virtual void OnQuestionAsked(OpencodeQuestion question)
    {
    }

    /// <summary>A question was answered or rejected.</summary>
    /// <param name="requestId">The request id.</param>
    /// <param name="rejected">True when it was rejected.</param>
    /// <param name="waited">How long it was pending, or null when the ask was not seen.</param>
    public virtual void OnQuestionResolved(string requestId, bool rejected, TimeSpan? waited)
    {
    }

    /// <summary>A tool call asked for permission and waits (reply with <see cref="OpencodeClient.ReplyToPermissionAsync"/>).</summary>
    /// <param name="request">The request.</param>
    public virtual void OnPermissionAsked(PermissionAskedEvent request)
    {
    }

    /// <summary>A permission request was answered.</summary>
    /// <param name="requestId">The request id.</param>
    /// <param name="reply">The reply (<c>once</c>, <c>always</c>, <c>reject</c>), or null.</param>
    /// <param name="waited">How long it was pending, or null when the ask was not seen.</param>
    public virtual void OnPermissionReplied(string requestId, string? reply, TimeSpan? waited)
    {
    }
}
