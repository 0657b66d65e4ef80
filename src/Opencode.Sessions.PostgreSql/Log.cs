using Microsoft.Extensions.Logging;

namespace Opencode.Sessions.PostgreSql;

/// <summary>
/// Log messages of the PostgreSQL snapshot store. EventIds 1600–1649. Messages name the database as host, port and
/// database only: a connection string (which may hold a password) is never logged.
/// </summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 1600, EventName = "PostgreSqlSnapshotSaved", Level = LogLevel.Information,
        Message = "Saved snapshot {SnapshotId} of process {ProcessId} to {Table} (session blob {SessionBytes} bytes in {SessionChunks} chunks, workdir blob {WorkdirBytes} bytes in {WorkdirChunks} chunks)")]
    public static partial void SnapshotSaved(ILogger logger, string snapshotId, string processId, string table, long sessionBytes, int sessionChunks, long workdirBytes, int workdirChunks);

    [LoggerMessage(EventId = 1601, EventName = "PostgreSqlSnapshotSaveFailed", Level = LogLevel.Warning,
        Message = "Saving a snapshot of process {ProcessId} to {Database} failed; the transaction was rolled back and nothing was stored")]
    public static partial void SnapshotSaveFailed(ILogger logger, string processId, string database, Exception exception);

    [LoggerMessage(EventId = 1602, EventName = "PostgreSqlSnapshotPruned", Level = LogLevel.Information,
        Message = "Pruned snapshot {SnapshotId} of process {ProcessId} (captured {CapturedAt:O}) with its blobs")]
    public static partial void SnapshotPruned(ILogger logger, string snapshotId, string processId, DateTimeOffset capturedAt);

    [LoggerMessage(EventId = 1603, EventName = "PostgreSqlOrphanBlobDeleted", Level = LogLevel.Information,
        Message = "Deleted snapshot blob {BlobId} of process {ProcessId}: no record referred to it (its record was deleted outside the store)")]
    public static partial void OrphanBlobDeleted(ILogger logger, string blobId, string processId);

    [LoggerMessage(EventId = 1604, EventName = "PostgreSqlSchemaCreated", Level = LogLevel.Information,
        Message = "Created the snapshot tables {Tables} in {Database} (or found them complete)")]
    public static partial void SchemaCreated(ILogger logger, string tables, string database);

    [LoggerMessage(EventId = 1605, EventName = "PostgreSqlSchemaPresent", Level = LogLevel.Debug,
        Message = "The snapshot tables {Tables} exist in {Database}")]
    public static partial void SchemaPresent(ILogger logger, string tables, string database);

    [LoggerMessage(EventId = 1606, EventName = "PostgreSqlBlobOpened", Level = LogLevel.Debug,
        Message = "Opened snapshot blob {BlobId} of process {ProcessId} for reading")]
    public static partial void BlobOpened(ILogger logger, string blobId, string processId);

    [LoggerMessage(EventId = 1607, EventName = "PostgreSqlOperationFailed", Level = LogLevel.Warning,
        Message = "The snapshot store operation {Operation} for process {ProcessId} failed against {Database}")]
    public static partial void OperationFailed(ILogger logger, string operation, string processId, string database, Exception exception);
}
