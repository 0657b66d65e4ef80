using Microsoft.Extensions.Logging;

namespace Opencode.Sessions.Opencode;

/// <summary>Source-generated log messages of the opencode client and its event stream (EventIds 1400–1439).</summary>
/// <remarks>Paths only: a query (directory, workspace) or credential never reaches a log line.</remarks>
internal static partial class OpencodeClientLog
{
    [LoggerMessage(EventId = 1400, EventName = "OpencodeRequest", Level = LogLevel.Debug,
        Message = "opencode {Method} {Path} answered {StatusCode} in {ElapsedSeconds:0.000} s")]
    public static partial void Request(ILogger logger, string method, string path, int statusCode, double elapsedSeconds);

    [LoggerMessage(EventId = 1401, EventName = "OpencodeRequestFailed", Level = LogLevel.Debug,
        Message = "opencode {Method} {Path} failed after {ElapsedSeconds:0.000} s: {Reason}")]
    public static partial void RequestFailed(ILogger logger, string method, string path, double elapsedSeconds, string reason);

    [LoggerMessage(EventId = 1420, EventName = "EventStreamConnected", Level = LogLevel.Debug,
        Message = "opencode event stream connected (attempt {Attempt})")]
    public static partial void StreamConnected(ILogger logger, int attempt);

    [LoggerMessage(EventId = 1421, EventName = "EventStreamReconnecting", Level = LogLevel.Information,
        Message = "opencode event stream for session {SessionId} interrupted ({Reason}); reconnecting (the prompt is not re-sent)")]
    public static partial void StreamReconnecting(ILogger logger, string sessionId, string reason);

    [LoggerMessage(EventId = 1422, EventName = "EventDropped", Level = LogLevel.Debug,
        Message = "opencode event stream dropped an event that is not valid JSON ({Length} chars)")]
    public static partial void EventDropped(ILogger logger, int length);

    [LoggerMessage(EventId = 1423, EventName = "PromptPosted", Level = LogLevel.Debug,
        Message = "Prompt for session {SessionId} posted after the event stream connected")]
    public static partial void PromptPosted(ILogger logger, string sessionId);

    [LoggerMessage(EventId = 1424, EventName = "EventStreamEnded", Level = LogLevel.Debug,
        Message = "opencode event stream for session {SessionId} ended: session idle after {EventCount} events, {Reconnects} reconnects")]
    public static partial void StreamEnded(ILogger logger, string sessionId, int eventCount, int reconnects);
}
