using Microsoft.Extensions.Logging;

namespace Opencode.Sessions.Launching;

/// <summary>Log messages of the opencode installer, launcher and CLI wrappers (EventIds 1100–1139).</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 1100, EventName = "OpencodeResolved", Level = LogLevel.Information, Message = "Using opencode at {Path} on {Host} (found via {Source})")]
    public static partial void OpencodeResolved(ILogger logger, string path, string host, string source);

    [LoggerMessage(EventId = 1101, EventName = "OpencodeInstallStarted", Level = LogLevel.Information, Message = "Installing opencode {Version} with npm into {CacheRoot} on {Host}")]
    public static partial void OpencodeInstallStarted(ILogger logger, string version, string cacheRoot, string host);

    [LoggerMessage(EventId = 1102, EventName = "OpencodeInstallFinished", Level = LogLevel.Information, Message = "Installed opencode {Version} at {Path} in {ElapsedSeconds:0.000} s")]
    public static partial void OpencodeInstallFinished(ILogger logger, string version, string path, double elapsedSeconds);

    [LoggerMessage(EventId = 1103, EventName = "OpencodeInstallFailed", Level = LogLevel.Warning, Message = "Installing opencode {Version} failed with exit code {ExitCode}")]
    public static partial void OpencodeInstallFailed(ILogger logger, string version, int exitCode);

    [LoggerMessage(EventId = 1104, EventName = "OpencodeVersionProbed", Level = LogLevel.Debug, Message = "opencode --version printed {Version}")]
    public static partial void OpencodeVersionProbed(ILogger logger, string? version);

    [LoggerMessage(EventId = 1105, EventName = "OpencodeVersionProbeFailed", Level = LogLevel.Debug, Message = "opencode --version failed; continuing without a version")]
    public static partial void OpencodeVersionProbeFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 1120, EventName = "OpencodeLaunching", Level = LogLevel.Information, Message = "Launching opencode serve on {Host} in {WorkDirectory}")]
    public static partial void OpencodeLaunching(ILogger logger, string host, string workDirectory);

    [LoggerMessage(EventId = 1121, EventName = "OpencodeReady", Level = LogLevel.Information, Message = "opencode (pid {ProcessId}) is listening on port {Port} after {ElapsedSeconds:0.000} s")]
    public static partial void OpencodeReady(ILogger logger, int processId, int port, double elapsedSeconds);

    [LoggerMessage(EventId = 1122, EventName = "OpencodeOutput", Level = LogLevel.Debug, Message = "opencode[{ProcessId}]: {Line}")]
    public static partial void OpencodeOutput(ILogger logger, int processId, string line);

    [LoggerMessage(EventId = 1123, EventName = "OpencodeReadyTimeout", Level = LogLevel.Warning, Message = "opencode (pid {ProcessId}) printed no listening URL within {TimeoutSeconds} s; killing it")]
    public static partial void OpencodeReadyTimeout(ILogger logger, int processId, double timeoutSeconds);

    [LoggerMessage(EventId = 1124, EventName = "OpencodeExitedBeforeReady", Level = LogLevel.Warning, Message = "opencode (pid {ProcessId}) exited with code {ExitCode} before it was ready")]
    public static partial void OpencodeExitedBeforeReady(ILogger logger, int processId, int exitCode);

    [LoggerMessage(EventId = 1125, EventName = "OpencodeStopping", Level = LogLevel.Debug, Message = "Stopping opencode (pid {ProcessId}, {Mode})")]
    public static partial void OpencodeStopping(ILogger logger, int processId, Hosting.TerminationMode mode);

    [LoggerMessage(EventId = 1126, EventName = "OpencodeCleanupFailed", Level = LogLevel.Warning, Message = "Cleaning up after opencode (pid {ProcessId}) failed")]
    public static partial void OpencodeCleanupFailed(ILogger logger, int processId, Exception exception);
}
