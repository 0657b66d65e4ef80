using System.Globalization;
using Npgsql;
using NpgsqlTypes;
using Opencode.Sessions.Snapshots;
using static Opencode.Sessions.PostgreSql.Internal.NpgsqlCommands;

namespace Opencode.Sessions.PostgreSql;

/// <content>Schema creation, record reading, and the translation of database failures into <see cref="SnapshotException"/>.</content>
public sealed partial class PostgreSqlSnapshotStore
{
    /// <summary>
    /// Creates the schema, the three tables and their indexes if any is missing (idempotent, and safe to run from
    /// several processes at once: creation is serialised by an advisory lock and runs in one transaction). When
    /// everything exists it runs no DDL at all, so a user without DDL rights can call it too.
    /// </summary>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>A task that completes when the tables exist.</returns>
    /// <exception cref="SnapshotException">The tables could not be created (no privileges, server unreachable …).</exception>
    /// <remarks>With <see cref="PostgreSqlSnapshotStoreOptions.CreateSchema"/> (the default) the store calls this once, on first use.</remarks>
    public async Task EnsureSchemaAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        await _schemaGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var tables = $"{_sql.Snapshots}, {_sql.Blobs}, {_sql.Chunks}";
            await GuardAsync<bool>("create its tables", processId: null, async () =>
            {
                var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
                await using (connection.ConfigureAwait(false))
                {
                    if (await ScalarBooleanAsync(connection, null, _sql.SchemaExists, cancellationToken).ConfigureAwait(false))
                    {
                        Log.SchemaPresent(_logger, tables, _database);
                        return true;
                    }

                    var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
                    await using (transaction.ConfigureAwait(false))
                    {
                        await ExecuteAsync(connection, transaction, _sql.AdvisoryLock, [Parameter(_sql.LockPrefix + "schema", NpgsqlDbType.Text)], cancellationToken).ConfigureAwait(false);
                        var chunksExisted = await ScalarBooleanAsync(connection, transaction, _sql.ChunksTableExists, cancellationToken).ConfigureAwait(false);
                        await ExecuteAsync(connection, transaction, _sql.CreateSchema, [], cancellationToken).ConfigureAwait(false);
                        if (!chunksExisted)
                        {
                            await ExecuteAsync(connection, transaction, _sql.StoreChunksUncompressed, [], cancellationToken).ConfigureAwait(false);
                        }

                        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                    }

                    Log.SchemaCreated(_logger, tables, _database);
                    return true;
                }
            }).ConfigureAwait(false);
            _schemaReady = true;
        }
        finally
        {
            _schemaGate.Release();
        }
    }

    private static NpgsqlDataSource CreateDataSource(string connectionString)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        try
        {
            return NpgsqlDataSource.Create(connectionString);
        }
        catch (ArgumentException ex)
        {
            // Npgsql names the offending keyword, never a password value; the connection string itself stays out.
            throw new ArgumentException($"The PostgreSQL connection string is malformed: {ex.Message}", nameof(connectionString), ex);
        }
    }

    /// <summary>"database 'x' on host:port" — never the connection string, which may hold a password.</summary>
    private static string DescribeDatabase(NpgsqlDataSource dataSource)
    {
        try
        {
            var builder = new NpgsqlConnectionStringBuilder(dataSource.ConnectionString);
            var database = string.IsNullOrEmpty(builder.Database) ? "(the user's default database)" : $"'{builder.Database}'";
            return $"PostgreSQL database {database} on {builder.Host ?? "(default host)"}:{builder.Port.ToString(CultureInfo.InvariantCulture)}";
        }
        catch (ArgumentException)
        {
            return "the PostgreSQL database";
        }
    }

    private static DateTimeOffset ToStoredPrecision(DateTimeOffset value)
    {
        var utc = value.ToUniversalTime();
        return new DateTimeOffset(utc.Ticks - (utc.Ticks % 10), TimeSpan.Zero); // timestamptz holds microseconds
    }

    /// <summary>
    /// The snapshot id of a row saved before the draft's id was stored: the identity value, zero-padded so that ordinal
    /// order is numeric order.
    /// </summary>
    private static string FormatSnapshotId(long id) => id.ToString("D19", CultureInfo.InvariantCulture);

    private static string FormatBlobId(Guid id) => id.ToString("N");

    private async Task EnsureReadyAsync(CancellationToken cancellationToken)
    {
        if (_options.CreateSchema && !_schemaReady)
        {
            await EnsureSchemaAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<List<SnapshotRecord>> QueryRecordsAsync(string sql, string processId, CancellationToken cancellationToken)
    {
        await EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        return await GuardAsync("read snapshot records", processId, async () =>
        {
            var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await using (connection.ConfigureAwait(false))
            {
                return await ReadRecordsAsync(Create(connection, null, sql, Parameter(processId, NpgsqlDbType.Text)), cancellationToken).ConfigureAwait(false);
            }
        }).ConfigureAwait(false);
    }

    /// <summary>Runs a command returning record rows (see <c>SnapshotSql.RecordColumns</c>), disposes it, and returns the records.</summary>
    private static async Task<List<SnapshotRecord>> ReadRecordsAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        await using (command.ConfigureAwait(false))
        {
            var records = new List<SnapshotRecord>();
            var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    records.Add(new SnapshotRecord
                    {
                        SnapshotId = reader.IsDBNull(12) ? FormatSnapshotId(reader.GetInt64(0)) : reader.GetString(12),
                        ProcessId = reader.GetString(1),
                        CapturedAt = reader.GetFieldValue<DateTimeOffset>(2),
                        EndState = Enum.Parse<SnapshotEndState>(reader.GetString(3), ignoreCase: true),
                        SessionId = reader.GetString(4),
                        SessionBlobId = FormatBlobId(reader.GetGuid(5)),
                        WorkdirBlobId = FormatBlobId(reader.GetGuid(6)),
                        DeliverablesEmitted = reader.GetFieldValue<string[]>(7),
                        SessionBlobEncrypted = reader.GetBoolean(8),
                        WorkdirBlobEncrypted = reader.GetBoolean(9),
                        SessionBlobLength = reader.GetInt64(10),
                        WorkdirBlobLength = reader.GetInt64(11),
                    });
                }
            }

            records.Sort(SnapshotRecord.NewestFirst); // the SQL already orders them; this pins the contract's comparer
            return records;
        }
    }

    /// <summary>Runs a database operation, turning driver failures into a <see cref="SnapshotException"/> that says what to check.</summary>
    private async Task<T> GuardAsync<T>(string operation, string? processId, Func<Task<T>> body, bool logFailure = true)
    {
        try
        {
            return await body().ConfigureAwait(false);
        }
        catch (NpgsqlException ex) when (ex.InnerException is not OperationCanceledException)
        {
            if (logFailure)
            {
                Log.OperationFailed(_logger, operation, processId ?? "(none)", _database, ex);
            }

            var hint = ex is PostgresException { SqlState: PostgresErrorCodes.UndefinedTable or PostgresErrorCodes.InvalidSchemaName }
                ? $"The snapshot tables do not exist: call {nameof(EnsureSchemaAsync)} once, or set {nameof(PostgreSqlSnapshotStoreOptions)}.{nameof(PostgreSqlSnapshotStoreOptions.CreateSchema)} = true, with a user allowed to create them."
                : ex is PostgresException { SqlState: PostgresErrorCodes.InsufficientPrivilege }
                    ? $"The database user lacks privileges on schema '{_options.Schema}' or its snapshot tables; grant SELECT, INSERT, DELETE on them (and CREATE for schema creation)."
                    : "Check that the server is reachable and the credentials are valid (the connection string is not shown: it may hold a password).";
            var process = processId is null ? "" : $" for process {processId}";
            throw new SnapshotException(
                $"The PostgreSQL snapshot store could not {operation}{process} in {SnapshotsTable} ({_database}): {ex.Message}" + Environment.NewLine + hint,
                ex);
        }
    }
}
