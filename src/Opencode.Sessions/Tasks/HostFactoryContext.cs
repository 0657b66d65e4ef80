using Microsoft.Extensions.Logging;

namespace Opencode.Sessions;

/// <summary>What a <see cref="OpencodeTaskConfig.HostFactory"/> gets to create a host for one execution.</summary>
/// <param name="ProcessId">The process id (already validated as a safe path segment).</param>
/// <param name="Config">The task's configuration.</param>
/// <param name="LoggerFactory">The logger factory to use.</param>
public sealed record HostFactoryContext(string ProcessId, OpencodeTaskConfig Config, ILoggerFactory LoggerFactory);
