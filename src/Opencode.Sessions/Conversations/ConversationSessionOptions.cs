using Opencode.Sessions.Opencode;

namespace Opencode.Sessions.Conversations;

/// <summary>Settings of a <see cref="ConversationSession"/>.</summary>
public sealed record ConversationSessionOptions
{
    /// <summary>
    /// Gets the request used to create the upstream session (title, permissions, agent, model…) for a record.
    /// Permissions only apply at creation: recreate the session after a policy or directory change.
    /// </summary>
    /// <value>Default: a request with no fields.</value>
    public Func<ISessionRecord, CreateSessionRequest> CreateRequest { get; init; } = static _ => new CreateSessionRequest();

    /// <summary>Gets a callback for best-effort failures that are swallowed (abort, orphan cleanup, turn callbacks).</summary>
    public Action<ConversationErrorContext>? OnError { get; init; }
}
