using Microsoft.Extensions.Logging;

namespace Opencode.Sessions.Launching;

/// <content>Log messages of <see cref="OpencodeServer"/> (EventIds 1130–1139).</content>
internal static partial class Log
{
    [LoggerMessage(EventId = 1130, EventName = "OpencodeServerStarted", Level = LogLevel.Information, Message = "opencode {Version} (pid {ProcessId}) serves {WorkingDirectory} at {BaseAddress}, ready after {ElapsedSeconds:0.000} s")]
    public static partial void OpencodeServerStarted(ILogger logger, string version, int processId, string workingDirectory, Uri baseAddress, double elapsedSeconds);

    [LoggerMessage(EventId = 1131, EventName = "OpencodeServerHealthRetry", Level = LogLevel.Debug, Message = "opencode (pid {ProcessId}) did not answer its health check yet (attempt {Attempt})")]
    public static partial void OpencodeServerHealthRetry(ILogger logger, int processId, int attempt, Exception exception);

    [LoggerMessage(EventId = 1132, EventName = "OpencodeServerStopped", Level = LogLevel.Information, Message = "opencode (pid {ProcessId}) stopped; {Leftovers} process(es) the agent left running were stopped too")]
    public static partial void OpencodeServerStopped(ILogger logger, int processId, int leftovers);

    [LoggerMessage(EventId = 1133, EventName = "OpencodeServerStateCleanupFailed", Level = LogLevel.Warning, Message = "Removing the server's private files under {Path} failed")]
    public static partial void OpencodeServerStateCleanupFailed(ILogger logger, string path, Exception exception);
}
