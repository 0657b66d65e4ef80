using Microsoft.Extensions.Logging;

namespace Opencode.Sessions.Snapshots;

/// <summary>Log messages of the snapshot feature (store, archiver, capture and restore). EventIds 1200–1299.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 1200, EventName = "SnapshotSaved", Level = LogLevel.Information,
        Message = "Saved snapshot {SnapshotId} of process {ProcessId} (session blob {SessionBytes} bytes, workdir blob {WorkdirBytes} bytes)")]
    public static partial void SnapshotSaved(ILogger logger, string snapshotId, string processId, long sessionBytes, long workdirBytes);

    [LoggerMessage(EventId = 1201, EventName = "SnapshotSaveFailed", Level = LogLevel.Warning,
        Message = "Saving a snapshot of process {ProcessId} failed; no snapshot was stored and its partial blobs were removed")]
    public static partial void SnapshotSaveFailed(ILogger logger, string processId, Exception exception);

    [LoggerMessage(EventId = 1202, EventName = "SnapshotPruned", Level = LogLevel.Information,
        Message = "Pruned snapshot {SnapshotId} of process {ProcessId} (captured {CapturedAt:O})")]
    public static partial void SnapshotPruned(ILogger logger, string snapshotId, string processId, DateTimeOffset capturedAt);

    [LoggerMessage(EventId = 1203, EventName = "OrphanDeleted", Level = LogLevel.Information,
        Message = "Deleted orphaned snapshot file {FileName} of process {ProcessId} (left behind by an interrupted save or prune)")]
    public static partial void OrphanDeleted(ILogger logger, string fileName, string processId);

    [LoggerMessage(EventId = 1204, EventName = "RecordUnreadable", Level = LogLevel.Warning,
        Message = "Snapshot record {Path} is unreadable and is ignored; orphaned blobs of process {ProcessId} are kept until it is fixed or removed")]
    public static partial void RecordUnreadable(ILogger logger, string path, string processId, Exception exception);

    [LoggerMessage(EventId = 1205, EventName = "WaitingForLock", Level = LogLevel.Debug,
        Message = "Waiting for the snapshot lock of process {ProcessId} ({LockPath}), held by another save or prune")]
    public static partial void WaitingForLock(ILogger logger, string processId, string lockPath);

    [LoggerMessage(EventId = 1209, EventName = "CleanupFailed", Level = LogLevel.Warning,
        Message = "Could not delete snapshot file {Path}; it will be collected by a later save or prune")]
    public static partial void CleanupFailed(ILogger logger, string path, Exception exception);

    [LoggerMessage(EventId = 1210, EventName = "CaptureCompleted", Level = LogLevel.Information,
        Message = "Captured snapshot {SnapshotId} of process {ProcessId} (end state {EndState}, session encrypted {SessionEncrypted}, workdir encrypted {WorkdirEncrypted})")]
    public static partial void CaptureCompleted(ILogger logger, string snapshotId, string processId, SnapshotEndState endState, bool sessionEncrypted, bool workdirEncrypted);

    [LoggerMessage(EventId = 1211, EventName = "PruneAfterCaptureFailed", Level = LogLevel.Warning,
        Message = "Snapshot {SnapshotId} of process {ProcessId} was saved, but pruning older snapshots failed; the next capture retries")]
    public static partial void PruneAfterCaptureFailed(ILogger logger, string snapshotId, string processId, Exception exception);

    [LoggerMessage(EventId = 1212, EventName = "ScratchRemoveFailed", Level = LogLevel.Warning,
        Message = "Could not remove the snapshot scratch file {Path} on {Host}")]
    public static partial void ScratchRemoveFailed(ILogger logger, string path, string host, Exception exception);

    [LoggerMessage(EventId = 1213, EventName = "RestoreCompleted", Level = LogLevel.Information,
        Message = "Restored snapshot {SnapshotId} of process {ProcessId} (captured {CapturedAt:O}) on {Host}")]
    public static partial void RestoreCompleted(ILogger logger, string snapshotId, string processId, DateTimeOffset capturedAt, string host);

    [LoggerMessage(EventId = 1214, EventName = "RestoringUnencryptedBlob", Level = LogLevel.Information,
        Message = "The {BlobName} blob of snapshot {SnapshotId} was stored without encryption; restoring it as is although a cipher is configured")]
    public static partial void RestoringUnencryptedBlob(ILogger logger, string blobName, string snapshotId);
}
