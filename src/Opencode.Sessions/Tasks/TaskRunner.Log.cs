using Microsoft.Extensions.Logging;

namespace Opencode.Sessions;

internal sealed partial class TaskRunner
{
    private static partial class Log
    {
        [LoggerMessage(EventId = 100, EventName = "SessionStarting", Level = LogLevel.Information, Message = "Starting opencode session for process {ProcessId} (resume: {Resume})")]
        public static partial void SessionStarting(ILogger logger, string processId, bool resume);

        [LoggerMessage(EventId = 101, EventName = "SessionLive", Level = LogLevel.Information, Message = "Process {ProcessId}: opencode session {SessionId} is live on port {Port} of {Host}")]
        public static partial void SessionLive(ILogger logger, string processId, string sessionId, int port, string host);

        [LoggerMessage(EventId = 102, EventName = "SessionSucceeded", Level = LogLevel.Information, Message = "Process {ProcessId}: the agent reported DONE")]
        public static partial void SessionSucceeded(ILogger logger, string processId);

        [LoggerMessage(EventId = 103, EventName = "SessionFailed", Level = LogLevel.Warning, Message = "Process {ProcessId}: the session ended with an error")]
        public static partial void SessionFailed(ILogger logger, string processId, Exception exception);

        [LoggerMessage(EventId = 104, EventName = "SessionCreateRetry", Level = LogLevel.Debug, Message = "Creating the opencode session failed (attempt {Attempt}); retrying")]
        public static partial void SessionCreateRetry(ILogger logger, int attempt, Exception exception);

        [LoggerMessage(EventId = 105, EventName = "AfterExecuteFailed", Level = LogLevel.Warning, Message = "AfterExecute raised after the session had already failed")]
        public static partial void AfterExecuteFailed(ILogger logger, Exception exception);

        [LoggerMessage(EventId = 106, EventName = "TeardownStepFailed", Level = LogLevel.Warning, Message = "Teardown step '{Step}' failed")]
        public static partial void TeardownStepFailed(ILogger logger, string step, Exception exception);

        [LoggerMessage(EventId = 107, EventName = "RestoreFailed", Level = LogLevel.Warning, Message = "Restoring snapshot {SnapshotId} failed; starting fresh")]
        public static partial void RestoreFailed(ILogger logger, string snapshotId, Exception exception);

        [LoggerMessage(EventId = 108, EventName = "CaptureFailed", Level = LogLevel.Error, Message = "Snapshot capture failed; the task directory {TaskDirectory} is kept")]
        public static partial void CaptureFailed(ILogger logger, string taskDirectory, Exception exception);

        [LoggerMessage(EventId = 109, EventName = "LiveExportFailed", Level = LogLevel.Information, Message = "Reading session {SessionId} from the live server failed; falling back to opencode export")]
        public static partial void LiveExportFailed(ILogger logger, string sessionId, Exception exception);

        [LoggerMessage(EventId = 110, EventName = "LiveExportSkipped", Level = LogLevel.Debug, Message = "Session {SessionId} is still {Status}; it is exported with opencode export after the stop")]
        public static partial void LiveExportSkipped(ILogger logger, string sessionId, string status);

        [LoggerMessage(EventId = 140, EventName = "EarlierRunProcessesStopped", Level = LogLevel.Warning, Message = "Process {ProcessId}: stopped {Count} process(es) an earlier run left running in {TaskDirectory} on {Host}")]
        public static partial void EarlierRunProcessesStopped(ILogger logger, string processId, int count, string taskDirectory, string host);

        [LoggerMessage(EventId = 141, EventName = "TaskAlreadyRunning", Level = LogLevel.Warning, Message = "Process {ProcessId}: another run holds the task lock on {Host}; this run was refused")]
        public static partial void TaskAlreadyRunning(ILogger logger, string processId, string host);

        [LoggerMessage(EventId = 142, EventName = "TaskLockSkipped", Level = LogLevel.Debug, Message = "Process {ProcessId}: the host {Host} ({HostType}) has no task lock; concurrent runs are not detected")]
        public static partial void TaskLockSkipped(ILogger logger, string processId, string host, string hostType);
    }
}
