using Microsoft.Extensions.Logging;
using Opencode.Sessions.Hosting;

namespace Opencode.Sessions.Protocol;

/// <content>Deliverables refused when opened beneath the work directory.</content>
internal static partial class Log
{
    [LoggerMessage(EventId = 1021, EventName = "DeliverableRefused", Level = LogLevel.Warning,
        Message = "Deliverable '{RelativePath}' refused ({Reason}); nothing was read")]
    public static partial void DeliverableRefused(ILogger logger, string relativePath, UnsafeWorkdirPathReason reason);
}
