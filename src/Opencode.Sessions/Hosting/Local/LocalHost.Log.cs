using Microsoft.Extensions.Logging;

namespace Opencode.Sessions.Hosting.Local;

public sealed partial class LocalHost
{
    internal static partial class Log
    {
        [LoggerMessage(EventId = 600, EventName = "LocalProcessOutput", Level = LogLevel.Debug, Message = "[pid {ProcessId}] {Line}")]
        public static partial void ProcessOutput(ILogger logger, int processId, string line);

        [LoggerMessage(EventId = 601, EventName = "LocalOutputCallbackFailed", Level = LogLevel.Warning, Message = "The output callback of process {ProcessId} threw")]
        public static partial void OutputCallbackFailed(ILogger logger, int processId, Exception exception);

        [LoggerMessage(EventId = 602, EventName = "LocalProcessDidNotExit", Level = LogLevel.Error, Message = "Process group {ProcessId} did not exit 10 s after SIGKILL")]
        public static partial void ProcessDidNotExit(ILogger logger, int processId);

        [LoggerMessage(EventId = 603, EventName = "LocalCleanupFailed", Level = LogLevel.Warning, Message = "Could not remove the task directory {TaskDirectory}")]
        public static partial void CleanupFailed(ILogger logger, string taskDirectory, Exception exception);
    }
}
