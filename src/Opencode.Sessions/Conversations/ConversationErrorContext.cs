namespace Opencode.Sessions.Conversations;

/// <summary>A swallowed, best-effort failure reported to <see cref="ConversationSessionOptions.OnError"/>.</summary>
/// <param name="Action">What failed (for example <c>abort_session</c>, <c>delete_orphan_session</c>, <c>on_finalized</c>).</param>
/// <param name="RecordId">The record's <see cref="ISessionRecord.RecordId"/>.</param>
/// <param name="Exception">The failure.</param>
public sealed record ConversationErrorContext(string Action, string RecordId, Exception Exception);
