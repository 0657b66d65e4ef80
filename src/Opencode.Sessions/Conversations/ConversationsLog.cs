using Microsoft.Extensions.Logging;

namespace Opencode.Sessions.Conversations;

/// <summary>Source-generated log messages of conversations (EventIds 1440–1499).</summary>
internal static partial class ConversationsLog
{
    [LoggerMessage(EventId = 1440, EventName = "ReplyObserverFailed", Level = LogLevel.Warning,
        Message = "Reply observer {Observer} threw; the reply continues")]
    public static partial void ObserverFailed(ILogger logger, string observer, Exception exception);

    [LoggerMessage(EventId = 1441, EventName = "ConversationSessionCreated", Level = LogLevel.Information,
        Message = "Created opencode session {SessionId} for record {RecordId} (replacing a stale one: {Replacing})")]
    public static partial void SessionCreated(ILogger logger, string recordId, string sessionId, bool replacing);

    [LoggerMessage(EventId = 1442, EventName = "ConversationSessionRecreated", Level = LogLevel.Information,
        Message = "Record {RecordId}: session {StaleSessionId} replaced by {SessionId}")]
    public static partial void SessionRecreated(ILogger logger, string recordId, string staleSessionId, string sessionId);

    [LoggerMessage(EventId = 1443, EventName = "ConversationSessionLostRace", Level = LogLevel.Information,
        Message = "Record {RecordId}: another worker stored session {SessionId} first; adopting it")]
    public static partial void LostRace(ILogger logger, string recordId, string sessionId);

    [LoggerMessage(EventId = 1444, EventName = "OrphanSessionDeleted", Level = LogLevel.Warning,
        Message = "Record {RecordId}: saving session {SessionId} failed; the new upstream session was deleted")]
    public static partial void OrphanDeleted(ILogger logger, string recordId, string sessionId);

    [LoggerMessage(EventId = 1445, EventName = "BestEffortFailed", Level = LogLevel.Warning,
        Message = "{Action} failed for record {RecordId} (ignored)")]
    public static partial void BestEffortFailed(ILogger logger, string action, string recordId, Exception exception);

    [LoggerMessage(EventId = 1446, EventName = "SessionIdPersistFailed", Level = LogLevel.Warning,
        Message = "Record {RecordId}: saving the new session id failed ({ErrorType})")]
    public static partial void PersistFailed(ILogger logger, string recordId, string errorType);

    [LoggerMessage(EventId = 1450, EventName = "TurnRecreatingSession", Level = LogLevel.Warning,
        Message = "Record {RecordId}: session {SessionId} is gone or stale ({Reason}); recreating it and re-sending the prompt once")]
    public static partial void RecreatingSession(ILogger logger, string recordId, string sessionId, string reason);

    [LoggerMessage(EventId = 1451, EventName = "TurnStreamCompleted", Level = LogLevel.Debug,
        Message = "Session {SessionId}: stream completed with {EventCount} events, {ToolCount} tool calls in {ElapsedSeconds:0.000} s")]
    public static partial void StreamCompleted(ILogger logger, string sessionId, int eventCount, int toolCount, double elapsedSeconds);

    [LoggerMessage(EventId = 1452, EventName = "TurnStreamInterrupted", Level = LogLevel.Warning,
        Message = "Session {SessionId}: the event stream broke after the prompt was posted; using the server's messages")]
    public static partial void StreamInterrupted(ILogger logger, string sessionId, Exception exception);

    [LoggerMessage(EventId = 1453, EventName = "TurnUpstreamError", Level = LogLevel.Warning,
        Message = "Session {SessionId}: the model failed upstream: {Error}")]
    public static partial void UpstreamError(ILogger logger, string sessionId, string error);

    [LoggerMessage(EventId = 1454, EventName = "TurnEmptyStream", Level = LogLevel.Warning,
        Message = "Session {SessionId}: the turn produced no text")]
    public static partial void EmptyStream(ILogger logger, string sessionId);

    [LoggerMessage(EventId = 1455, EventName = "TurnFailed", Level = LogLevel.Error,
        Message = "Record {RecordId}: turn in session {SessionId} failed")]
    public static partial void TurnFailed(ILogger logger, string recordId, string sessionId, Exception exception);

    [LoggerMessage(EventId = 1456, EventName = "TurnFinished", Level = LogLevel.Information,
        Message = "Record {RecordId}: turn {Status} in {ElapsedSeconds:0.000} s with {ToolCount} tool calls")]
    public static partial void TurnFinished(ILogger logger, string recordId, string status, double elapsedSeconds, int toolCount);

    [LoggerMessage(EventId = 1460, EventName = "ApplyPatchArtifactsDropped", Level = LogLevel.Information,
        Message = "apply_patch changed {FileCount} file(s) ({Paths}) in message {MessageId} of session {SessionId}; opencode sends no content for them, read them from the sandbox")]
    public static partial void PatchArtifactsDropped(ILogger logger, int fileCount, string paths, string messageId, string sessionId);
}
