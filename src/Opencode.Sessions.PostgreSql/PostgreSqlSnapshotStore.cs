using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using NpgsqlTypes;
using Opencode.Sessions.PostgreSql.Internal;
using Opencode.Sessions.Snapshots;
using static Opencode.Sessions.PostgreSql.Internal.NpgsqlCommands;

namespace Opencode.Sessions.PostgreSql;

/// <summary>
/// An <see cref="ISnapshotStore"/> in PostgreSQL: one row per snapshot in <c>&lt;prefix&gt;snapshots</c> (indexed by
/// process id and capture time, newest first), and blobs as numbered <c>bytea</c> chunks in
/// <c>&lt;prefix&gt;snapshot_chunks</c> under a header row in <c>&lt;prefix&gt;snapshot_blobs</c>.
/// </summary>
/// <remarks>
/// <para>
/// <b>Atomic saves.</b> A save runs in one transaction: the chunks of both blobs are inserted as the writer callbacks
/// produce them (at most one chunk is buffered), then the blob headers and the record, then the transaction commits.
/// A writer failure, a cancellation, a lost connection or a crashed process rolls everything back, so no snapshot is
/// half visible and no orphaned blob is left. The writer callbacks therefore run <i>while the transaction is open</i>:
/// a save holds one pooled connection for as long as its writers take, and a server-side
/// <c>idle_in_transaction_session_timeout</c> shorter than the longest pause of a writer aborts the save.
/// </para>
/// <para>
/// <b>Concurrency.</b> Saves of the same or different process ids never block each other (MVCC; each save inserts
/// only new rows). Prunes of one process id serialise on a transaction-scoped advisory lock, and delete the pruned
/// records and their blobs in one transaction. A blob being read is read inside a REPEATABLE READ transaction, so a
/// prune that commits meanwhile does not cut it short.
/// </para>
/// <para>
/// Blobs are chunk rows rather than large objects (<c>lo_*</c>): deleting a row deletes its data (large objects
/// outlive their references unless unlinked, the classic orphan leak), plain tables need no extra privileges and
/// work with ordinary dumps, replication and row-level permissions, and chunk boundaries give an integrity check on
/// read. Capture times are stored with microsecond precision (PostgreSQL <c>timestamptz</c>); the returned record
/// carries the stored value.
/// </para>
/// </remarks>
/// <example>
/// <code>
/// await using var dataSource = NpgsqlDataSource.Create(connectionString);
/// var config = new OpencodeTaskConfig { SnapshotStore = new PostgreSqlSnapshotStore(dataSource) };
/// </code>
/// </example>
public sealed partial class PostgreSqlSnapshotStore : SnapshotStoreBase
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly bool _ownsDataSource;
    private readonly PostgreSqlSnapshotStoreOptions _options;
    private readonly SnapshotSql _sql;
    private readonly string _database;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _schemaGate = new(1, 1);
    private volatile bool _schemaReady;

    /// <summary>Initializes a new instance over a data source the caller owns (and disposes).</summary>
    /// <param name="dataSource">The data source (connection pool) to use.</param>
    /// <param name="options">The options; <see langword="null"/> = defaults.</param>
    /// <param name="logger">The logger; <see langword="null"/> = no logging.</param>
    /// <exception cref="ArgumentNullException"><paramref name="dataSource"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">The schema or table prefix is not a safe identifier.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The chunk size is out of range.</exception>
    public PostgreSqlSnapshotStore(NpgsqlDataSource dataSource, PostgreSqlSnapshotStoreOptions? options = null, ILogger<PostgreSqlSnapshotStore>? logger = null)
        : this(dataSource ?? throw new ArgumentNullException(nameof(dataSource)), ownsDataSource: false, options, logger)
    {
    }

    /// <summary>Initializes a new instance that creates (and on dispose, disposes) its own data source.</summary>
    /// <param name="connectionString">An Npgsql connection string. It is never logged nor put in an exception message.</param>
    /// <param name="options">The options; <see langword="null"/> = defaults.</param>
    /// <param name="logger">The logger; <see langword="null"/> = no logging.</param>
    /// <exception cref="ArgumentException">
    /// The connection string is empty or malformed, or the schema or table prefix is not a safe identifier.
    /// </exception>
    /// <exception cref="ArgumentOutOfRangeException">The chunk size is out of range.</exception>
    public PostgreSqlSnapshotStore(string connectionString, PostgreSqlSnapshotStoreOptions? options = null, ILogger<PostgreSqlSnapshotStore>? logger = null)
        : this(CreateDataSource(connectionString), ownsDataSource: true, options, logger)
    {
    }

    private PostgreSqlSnapshotStore(NpgsqlDataSource dataSource, bool ownsDataSource, PostgreSqlSnapshotStoreOptions? options, ILogger? logger)
    {
        _options = options ?? new PostgreSqlSnapshotStoreOptions();
        try
        {
            _options.Validate(nameof(options));
        }
        catch when (ownsDataSource)
        {
            dataSource.Dispose();
            throw;
        }

        _dataSource = dataSource;
        _ownsDataSource = ownsDataSource;
        _sql = new SnapshotSql(_options.Schema, _options.TablePrefix);
        _database = DescribeDatabase(dataSource);
        _logger = logger ?? NullLogger.Instance;
    }

    /// <summary>Gets the schema-qualified name of the records table (for diagnostics).</summary>
    public string SnapshotsTable => $"{_options.Schema}.{_sql.SnapshotsName}";

    /// <inheritdoc/>
    protected override async Task<SnapshotRecord> SaveCoreAsync(
        SnapshotDraft draft,
        Func<Stream, CancellationToken, Task> writeSessionBlob,
        Func<Stream, CancellationToken, Task> writeWorkdirBlob,
        CancellationToken cancellationToken)
    {
        await EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        var processId = draft.ProcessId;
        var capturedAt = ToStoredPrecision(draft.CapturedAt);
        try
        {
            return await GuardAsync("save a snapshot", processId, async () =>
            {
                var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
                await using (connection.ConfigureAwait(false))
                {
                    var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
                    await using (transaction.ConfigureAwait(false))
                    {
                        var session = await WriteBlobAsync(connection, transaction, processId, writeSessionBlob, cancellationToken).ConfigureAwait(false);
                        var workdir = await WriteBlobAsync(connection, transaction, processId, writeWorkdirBlob, cancellationToken).ConfigureAwait(false);
                        await using (var insert = Create(connection, transaction, _sql.InsertSnapshot,
                            Parameter(processId, NpgsqlDbType.Text),
                            Parameter(capturedAt, NpgsqlDbType.TimestampTz),
                            Parameter(draft.EndState.ToString().ToLowerInvariant(), NpgsqlDbType.Text),
                            Parameter(draft.SessionId, NpgsqlDbType.Text),
                            Parameter(session.Id, NpgsqlDbType.Uuid),
                            Parameter(workdir.Id, NpgsqlDbType.Uuid),
                            Parameter(draft.DeliverablesEmitted.ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Text),
                            Parameter(draft.SessionBlobEncrypted, NpgsqlDbType.Boolean),
                            Parameter(draft.WorkdirBlobEncrypted, NpgsqlDbType.Boolean),
                            Parameter(session.Length, NpgsqlDbType.Bigint),
                            Parameter(workdir.Length, NpgsqlDbType.Bigint),
                            Parameter(draft.SnapshotId, NpgsqlDbType.Text)))
                        {
                            await insert.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
                        }

                        // Past this check the commit is not cancellable: a cancelled save must never be half-known.
                        cancellationToken.ThrowIfCancellationRequested();
                        await transaction.CommitAsync(CancellationToken.None).ConfigureAwait(false);
                        var record = draft.ToRecord(FormatBlobId(session.Id), session.Length, FormatBlobId(workdir.Id), workdir.Length) with { CapturedAt = capturedAt };
                        Log.SnapshotSaved(_logger, record.SnapshotId, processId, SnapshotsTable, session.Length, session.Chunks, workdir.Length, workdir.Chunks);
                        return record;
                    }
                }
            }, logFailure: false).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // A writer or the database failed; the rollback (or the server, on a lost connection) removed everything.
            Log.SnapshotSaveFailed(_logger, processId, _database, ex);
            throw;
        }
    }

    /// <inheritdoc/>
    protected override async Task<SnapshotRecord?> LoadLatestCoreAsync(string processId, CancellationToken cancellationToken)
    {
        var records = await QueryRecordsAsync(_sql.LoadLatest, processId, cancellationToken).ConfigureAwait(false);
        return records.Count == 0 ? null : records[0];
    }

    /// <inheritdoc/>
    protected override async Task<IReadOnlyList<SnapshotRecord>> ListCoreAsync(string processId, CancellationToken cancellationToken) =>
        await QueryRecordsAsync(_sql.List, processId, cancellationToken).ConfigureAwait(false);

    /// <inheritdoc/>
    /// <remarks>
    /// Records and blobs are deleted in one transaction, under an advisory lock per process id that serialises
    /// concurrent prunes of it. Saves are not blocked: a save that commits meanwhile is simply not counted.
    /// </remarks>
    protected override async Task<IReadOnlyList<SnapshotRecord>> PruneCoreAsync(string processId, int keep, CancellationToken cancellationToken)
    {
        await EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        var (pruned, deletedBlobs) = await GuardAsync("prune snapshots", processId, async () =>
        {
            var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await using (connection.ConfigureAwait(false))
            {
                var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
                await using (transaction.ConfigureAwait(false))
                {
                    await ExecuteAsync(connection, transaction, _sql.AdvisoryLock, [Parameter(_sql.LockPrefix + "process:" + processId, NpgsqlDbType.Text)], cancellationToken).ConfigureAwait(false);
                    var records = await ReadRecordsAsync(
                        Create(connection, transaction, _sql.PruneRecords, Parameter(processId, NpgsqlDbType.Text), Parameter((long)keep, NpgsqlDbType.Bigint)),
                        cancellationToken).ConfigureAwait(false);
                    var blobs = new List<Guid>();
                    await using (var delete = Create(connection, transaction, _sql.DeleteUnreferencedBlobs, Parameter(processId, NpgsqlDbType.Text)))
                    {
                        var reader = await delete.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                        await using (reader.ConfigureAwait(false))
                        {
                            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                            {
                                blobs.Add(reader.GetGuid(0));
                            }
                        }
                    }

                    cancellationToken.ThrowIfCancellationRequested();
                    await transaction.CommitAsync(CancellationToken.None).ConfigureAwait(false);
                    return (records, blobs);
                }
            }
        }).ConfigureAwait(false);

        var prunedBlobs = new HashSet<string>(StringComparer.Ordinal);
        foreach (var record in pruned)
        {
            prunedBlobs.Add(record.SessionBlobId);
            prunedBlobs.Add(record.WorkdirBlobId);
            Log.SnapshotPruned(_logger, record.SnapshotId, processId, record.CapturedAt);
        }

        foreach (var blobId in deletedBlobs.Select(FormatBlobId).Where(id => !prunedBlobs.Contains(id)))
        {
            Log.OrphanBlobDeleted(_logger, blobId, processId);
        }

        return pruned;
    }

    /// <inheritdoc/>
    /// <remarks>
    /// The stream reads the blob chunk by chunk and holds a pooled connection (and a read-only transaction) until it
    /// is disposed; dispose it promptly. It fails with <see cref="SnapshotException"/> if the chunks do not add up to
    /// the blob's recorded length.
    /// </remarks>
    protected override async Task<Stream> OpenBlobCoreAsync(string processId, string blobId, CancellationToken cancellationToken)
    {
        if (!Guid.TryParseExact(blobId, "N", out var id) || FormatBlobId(id) != blobId)
        {
            throw new ArgumentException($"'{blobId}' is not a blob id of the PostgreSQL snapshot store (32 lowercase hex digits).", nameof(blobId));
        }

        await EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        var stream = await GuardAsync(
            "open a blob",
            processId,
            () => ChunkReadStream.OpenAsync(_dataSource, _sql, id, processId, $"{blobId} of process {processId} in {_database}", cancellationToken)).ConfigureAwait(false);
        if (stream is null)
        {
            throw new SnapshotException(
                $"Blob {blobId} of process {processId} does not exist in {SnapshotsTable} ({_database})." + Environment.NewLine +
                "It was pruned after its record was read, or it belongs to another process; load the latest snapshot again.");
        }

        Log.BlobOpened(_logger, blobId, processId);
        return stream;
    }

    /// <summary>
    /// Disposes the data source if this store created it from a connection string; a data source passed in is left
    /// to its owner. Runs once (<see cref="SnapshotStoreBase.DisposeAsync"/> is idempotent).
    /// </summary>
    /// <returns>A task that completes when the data source is disposed.</returns>
    protected override async ValueTask DisposeAsyncCore()
    {
        if (_ownsDataSource)
        {
            await _dataSource.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Disposes the data source synchronously if this store created it (see <see cref="DisposeAsyncCore"/>).</summary>
    /// <param name="disposing"><see langword="true"/> when called from <see cref="SnapshotStoreBase.Dispose()"/>.</param>
    protected override void Dispose(bool disposing)
    {
        if (disposing && _ownsDataSource)
        {
            _dataSource.Dispose();
        }
    }

    private async Task<(Guid Id, long Length, int Chunks)> WriteBlobAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, string processId, Func<Stream, CancellationToken, Task> writer, CancellationToken cancellationToken)
    {
        var blobId = Guid.NewGuid();
        var chunks = await ChunkWriteStream.CreateAsync(connection, transaction, _sql, blobId, _options.ChunkSize, cancellationToken).ConfigureAwait(false);
        await using (chunks.ConfigureAwait(false))
        {
            await BlobSinkStream.WriteAsync(chunks, writer, cancellationToken).ConfigureAwait(false);
            await chunks.CompleteAsync(cancellationToken).ConfigureAwait(false);
            await ExecuteAsync(connection, transaction, _sql.InsertBlob,
                [
                    Parameter(blobId, NpgsqlDbType.Uuid),
                    Parameter(processId, NpgsqlDbType.Text),
                    Parameter(chunks.BytesWritten, NpgsqlDbType.Bigint),
                    Parameter(chunks.ChunkCount, NpgsqlDbType.Integer),
                ],
                cancellationToken).ConfigureAwait(false);
            return (blobId, chunks.BytesWritten, chunks.ChunkCount);
        }
    }
}
