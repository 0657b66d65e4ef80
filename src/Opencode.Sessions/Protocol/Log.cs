using Microsoft.Extensions.Logging;

namespace Opencode.Sessions.Protocol;

/// <summary>Log messages of the log protocol (EventIds 1000–1099).</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 1000, EventName = "LineTruncated", Level = LogLevel.Warning,
        Message = "optio.log: a line longer than {MaxLineBytes} bytes was cut")]
    public static partial void LineTruncated(ILogger logger, int maxLineBytes);

    [LoggerMessage(EventId = 1001, EventName = "LineInvalidUtf8", Level = LogLevel.Warning,
        Message = "optio.log: a line was not valid UTF-8; invalid bytes were replaced with U+FFFD")]
    public static partial void LineInvalidUtf8(ILogger logger);

    [LoggerMessage(EventId = 1002, EventName = "DeliverableRejected", Level = LogLevel.Warning,
        Message = "Deliverable path '{AnnouncedPath}' rejected ({Status}); resolved to '{HostPath}'")]
    public static partial void DeliverableRejected(ILogger logger, string announcedPath, DeliverablePathStatus status, string hostPath);

    [LoggerMessage(EventId = 1003, EventName = "DeliverableValidationFailed", Level = LogLevel.Warning,
        Message = "Deliverable path '{AnnouncedPath}' could not be resolved on the host")]
    public static partial void DeliverableValidationFailed(ILogger logger, string announcedPath, Exception exception);

    [LoggerMessage(EventId = 1004, EventName = "DeliverableQueued", Level = LogLevel.Debug,
        Message = "Deliverable '{RelativePath}' queued ({HostPath})")]
    public static partial void DeliverableQueued(ILogger logger, string relativePath, string hostPath);

    [LoggerMessage(EventId = 1005, EventName = "DeliverableNotFound", Level = LogLevel.Warning,
        Message = "Deliverable '{RelativePath}' not found at {HostPath}")]
    public static partial void DeliverableNotFound(ILogger logger, string relativePath, string hostPath);

    [LoggerMessage(EventId = 1006, EventName = "DeliverableNotUtf8", Level = LogLevel.Warning,
        Message = "Deliverable '{RelativePath}' is not valid UTF-8; callback skipped")]
    public static partial void DeliverableNotUtf8(ILogger logger, string relativePath);

    [LoggerMessage(EventId = 1007, EventName = "DeliverableTooLarge", Level = LogLevel.Warning,
        Message = "Deliverable '{RelativePath}' is larger than {MaxBytes} bytes; callback skipped")]
    public static partial void DeliverableTooLarge(ILogger logger, string relativePath, long maxBytes);

    [LoggerMessage(EventId = 1008, EventName = "DeliverableFetchFailed", Level = LogLevel.Warning,
        Message = "Deliverable '{RelativePath}' could not be fetched from {HostPath}")]
    public static partial void DeliverableFetchFailed(ILogger logger, string relativePath, string hostPath, Exception exception);

    [LoggerMessage(EventId = 1009, EventName = "DeliverableCallbackFailed", Level = LogLevel.Error,
        Message = "OnDeliverable raised for '{RelativePath}'; the session continues")]
    public static partial void DeliverableCallbackFailed(ILogger logger, string relativePath, Exception exception);

    [LoggerMessage(EventId = 1010, EventName = "DeliverableDelivered", Level = LogLevel.Debug,
        Message = "Deliverable '{RelativePath}' delivered ({Length} characters)")]
    public static partial void DeliverableDelivered(ILogger logger, string relativePath, int length);

    [LoggerMessage(EventId = 1011, EventName = "DoneSeen", Level = LogLevel.Information,
        Message = "The agent reported DONE")]
    public static partial void DoneSeen(ILogger logger);

    [LoggerMessage(EventId = 1012, EventName = "ErrorSeen", Level = LogLevel.Warning,
        Message = "The agent reported ERROR: {AgentMessage}")]
    public static partial void ErrorSeen(ILogger logger, string? agentMessage);

    [LoggerMessage(EventId = 1013, EventName = "LineSourceEnded", Level = LogLevel.Warning,
        Message = "optio.log stopped before DONE or ERROR was seen")]
    public static partial void LineSourceEnded(ILogger logger);

    [LoggerMessage(EventId = 1014, EventName = "LineSourceFailed", Level = LogLevel.Warning,
        Message = "Following optio.log failed before DONE or ERROR was seen")]
    public static partial void LineSourceFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 1015, EventName = "LineSourceDisposeFailed", Level = LogLevel.Debug,
        Message = "Stopping the optio.log follower failed")]
    public static partial void LineSourceDisposeFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 1016, EventName = "PendingDeliverablesDropped", Level = LogLevel.Warning,
        Message = "{Count} queued deliverable(s) dropped without being fetched")]
    public static partial void PendingDeliverablesDropped(ILogger logger, int count);

    [LoggerMessage(EventId = 1017, EventName = "CallbackAbandoned", Level = LogLevel.Warning,
        Message = "OnDeliverable for '{RelativePath}' did not stop on cancellation; it was abandoned")]
    public static partial void CallbackAbandoned(ILogger logger, string relativePath);

    [LoggerMessage(EventId = 1018, EventName = "AbandonedCallbackFailed", Level = LogLevel.Debug,
        Message = "An abandoned OnDeliverable callback failed later")]
    public static partial void AbandonedCallbackFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 1019, EventName = "ProgressReportFailed", Level = LogLevel.Warning,
        Message = "IProcessContext.ReportProgress raised; the progress line was lost")]
    public static partial void ProgressReportFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 1020, EventName = "FetchLoopFailed", Level = LogLevel.Error,
        Message = "The deliverable fetch loop failed")]
    public static partial void FetchLoopFailed(ILogger logger, Exception exception);
}
