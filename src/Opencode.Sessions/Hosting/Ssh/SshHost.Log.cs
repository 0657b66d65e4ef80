using Microsoft.Extensions.Logging;

namespace Opencode.Sessions.Hosting.Ssh;

public sealed partial class SshHost
{
    internal static partial class Log
    {
        [LoggerMessage(EventId = 1500, EventName = "SshConnecting", Level = LogLevel.Information, Message = "Connecting to {Host} (host keys: {HostKeyPolicy})")]
        public static partial void Connecting(ILogger logger, string host, SshHostKeyPolicy hostKeyPolicy);

        [LoggerMessage(EventId = 1501, EventName = "SshConnected", Level = LogLevel.Information, Message = "Connected to {Host} (master pid {MasterProcessId}, remote user {User}, task directory {TaskDirectory})")]
        public static partial void Connected(ILogger logger, string host, int masterProcessId, string user, string taskDirectory);

        [LoggerMessage(EventId = 1502, EventName = "SshConnectFailed", Level = LogLevel.Error, Message = "Could not connect to {Host}: {Kind}")]
        public static partial void ConnectFailed(ILogger logger, string host, SshFailureKind kind, Exception exception);

        [LoggerMessage(EventId = 1503, EventName = "SshDisconnected", Level = LogLevel.Information, Message = "Disconnected from {Host} (connection had been lost: {WasLost})")]
        public static partial void Disconnected(ILogger logger, string host, bool wasLost);

        [LoggerMessage(EventId = 1504, EventName = "SshConnectionLost", Level = LogLevel.Error, Message = "The connection to {Host} was lost while {What} was running")]
        public static partial void ConnectionLost(ILogger logger, string host, string what);

        [LoggerMessage(EventId = 1510, EventName = "SshChannelOpening", Level = LogLevel.Trace, Message = "Opening a channel to {Host} ({ScriptLength} chars of script)")]
        public static partial void ChannelOpening(ILogger logger, string host, int scriptLength);

        [LoggerMessage(EventId = 1511, EventName = "SshRunningCommand", Level = LogLevel.Debug, Message = "Running {Program} with {ArgumentCount} arguments on {Host}")]
        public static partial void RunningCommand(ILogger logger, string host, string program, int argumentCount);

        [LoggerMessage(EventId = 1512, EventName = "SshTemporaryFileLeft", Level = LogLevel.Warning, Message = "Could not remove the temporary file {Path} on {Host}")]
        public static partial void TemporaryFileLeft(ILogger logger, string host, string path, Exception exception);

        [LoggerMessage(EventId = 1513, EventName = "SshCleanupFailed", Level = LogLevel.Warning, Message = "Could not remove the task directory {TaskDirectory} on {Host}")]
        public static partial void CleanupFailed(ILogger logger, string host, string taskDirectory, Exception exception);

        [LoggerMessage(EventId = 1520, EventName = "SshProcessLaunched", Level = LogLevel.Information, Message = "Launched {Program} on {Host} as process group {ProcessId}")]
        public static partial void Launched(ILogger logger, string host, string program, int processId);

        [LoggerMessage(EventId = 1521, EventName = "SshProcessOutput", Level = LogLevel.Debug, Message = "[remote pid {ProcessId}] {Line}")]
        public static partial void ProcessOutput(ILogger logger, int processId, string line);

        [LoggerMessage(EventId = 1522, EventName = "SshOutputCallbackFailed", Level = LogLevel.Warning, Message = "The output callback of remote process {ProcessId} threw")]
        public static partial void OutputCallbackFailed(ILogger logger, int processId, Exception exception);

        [LoggerMessage(EventId = 1523, EventName = "SshProcessExited", Level = LogLevel.Information, Message = "Remote process group {ProcessId} on {Host} exited with code {ExitCode}")]
        public static partial void ProcessExited(ILogger logger, string host, int processId, int exitCode);

        [LoggerMessage(EventId = 1524, EventName = "SshProcessGroupSurvived", Level = LogLevel.Error, Message = "Process group {ProcessId} on {Host} was still alive 10 s after SIGKILL")]
        public static partial void ProcessGroupSurvived(ILogger logger, string host, int processId);

        [LoggerMessage(EventId = 1525, EventName = "SshTerminateWithoutConnection", Level = LogLevel.Warning, Message = "Could not signal process group {ProcessId} on {Host}; relying on the channel's dead-man switch")]
        public static partial void TerminateWithoutConnection(ILogger logger, string host, int processId, Exception exception);

        [LoggerMessage(EventId = 1530, EventName = "SshFollowerRestarting", Level = LogLevel.Warning, Message = "Following {Path} on {Host}: the channel ended (remote exit {ExitCode}); restarting at byte {Offset}")]
        public static partial void FollowerRestarting(ILogger logger, string host, string path, long offset, int? exitCode);

        [LoggerMessage(EventId = 1540, EventName = "SshTunnelOpened", Level = LogLevel.Information, Message = "Tunnel {Forward} opened over {Host}")]
        public static partial void TunnelOpened(ILogger logger, string host, string forward);

        [LoggerMessage(EventId = 1541, EventName = "SshTunnelCloseFailed", Level = LogLevel.Warning, Message = "Could not close tunnel {Forward} over {Host}: {Output}")]
        public static partial void TunnelCloseFailed(ILogger logger, string host, string forward, string output);

        [LoggerMessage(EventId = 1550, EventName = "SshArchiving", Level = LogLevel.Information, Message = "Archiving {WorkDirectory} on {Host} ({PatternCount} exclude patterns)")]
        public static partial void Archiving(ILogger logger, string host, string workDirectory, int patternCount);

        [LoggerMessage(EventId = 1551, EventName = "SshRestoring", Level = LogLevel.Information, Message = "Restoring {WorkDirectory} on {Host}")]
        public static partial void Restoring(ILogger logger, string host, string workDirectory);
    }
}
