using Microsoft.Extensions.Logging;

namespace Opencode.Sessions.Workdir;

/// <summary>Log messages of the work-directory archive (EventIds 1206–1208, kept from when it lived with snapshots).</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 1206, EventName = "ArchiveEntrySkipped", Level = LogLevel.Warning,
        Message = "Left {RelativePath} out of the workdir snapshot: {Reason}")]
    public static partial void ArchiveEntrySkipped(ILogger logger, string relativePath, string reason);

    [LoggerMessage(EventId = 1207, EventName = "ArchiveWritten", Level = LogLevel.Debug,
        Message = "Archived {Entries} entries ({FileBytes} bytes of file data) of {Workdir}")]
    public static partial void ArchiveWritten(ILogger logger, int entries, long fileBytes, string workdir);

    [LoggerMessage(EventId = 1208, EventName = "ArchiveExtracted", Level = LogLevel.Debug,
        Message = "Extracted {Entries} entries into {Workdir}")]
    public static partial void ArchiveExtracted(ILogger logger, int entries, string workdir);
}
