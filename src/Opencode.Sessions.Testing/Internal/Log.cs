using Microsoft.Extensions.Logging;

namespace Opencode.Sessions.Testing.Internal;

/// <summary>Log messages of the Testing package (EventIds 1300–1349).</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 1300, EventName = "ScriptedModelServerStarted", Level = LogLevel.Information,
        Message = "Scripted model server listening on {BaseUrl}")]
    public static partial void ServerStarted(ILogger logger, Uri baseUrl);

    [LoggerMessage(EventId = 1301, EventName = "ScriptedModelRequestAnswered", Level = LogLevel.Debug,
        Message = "Model request #{Sequence} (session {SessionId}) answered from {Source} with {Kind}")]
    public static partial void RequestAnswered(ILogger logger, int sequence, string? sessionId, ModelReplySource source, ScriptedReplyKind kind);

    [LoggerMessage(EventId = 1302, EventName = "ScriptedModelScriptExhausted", Level = LogLevel.Warning,
        Message = "Model request #{Sequence} (session {SessionId}, directory {WorkingDirectory}): the script is exhausted; answering with the fallback text")]
    public static partial void ScriptExhausted(ILogger logger, int sequence, string? sessionId, string? workingDirectory);

    [LoggerMessage(EventId = 1303, EventName = "ScriptedModelClientDisconnected", Level = LogLevel.Debug,
        Message = "Model request #{Sequence}: the client disconnected before the answer was complete")]
    public static partial void ClientDisconnected(ILogger logger, int sequence);

    [LoggerMessage(EventId = 1304, EventName = "ScriptedModelRequestRejected", Level = LogLevel.Warning,
        Message = "Rejected {Method} {Path} with HTTP {Status}: {Reason}")]
    public static partial void RequestRejected(ILogger logger, string method, string path, int status, string reason);

    [LoggerMessage(EventId = 1305, EventName = "ScriptedModelConnectionFailed", Level = LogLevel.Warning,
        Message = "A connection to the scripted model server failed")]
    public static partial void ConnectionFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 1306, EventName = "ScriptedModelResponderFailed", Level = LogLevel.Error,
        Message = "The responder threw for a model request (session {SessionId}); answering with HTTP 500")]
    public static partial void ResponderFailed(ILogger logger, Exception exception, string? sessionId);

    [LoggerMessage(EventId = 1307, EventName = "ScriptedModelServerStopped", Level = LogLevel.Information,
        Message = "Scripted model server on {BaseUrl} stopped after {RequestCount} model requests")]
    public static partial void ServerStopped(ILogger logger, Uri baseUrl, int requestCount);
}
