namespace Opencode.Sessions.PostgreSql.Internal;

/// <summary>
/// The SQL of one store configuration. Identifiers come only from validated options (lowercase letters, digits and
/// <c>_</c>) and are quoted on top of that; every value travels as a parameter.
/// </summary>
internal sealed class SnapshotSql
{
    /// <summary>The record columns, in the order <see cref="PostgreSqlSnapshotStore"/> reads them.</summary>
    private const string RecordColumns =
        "snapshot_id, process_id, captured_at, end_state, session_id, session_blob_id, workdir_blob_id, deliverables_emitted, " +
        "session_blob_encrypted, workdir_blob_encrypted, session_blob_length, workdir_blob_length, snapshot_key";

    /// <summary>The order of the records index (unchanged since the first schema).</summary>
    private const string IndexOrder = "captured_at DESC, snapshot_id DESC";

    /// <summary>
    /// The record order: <c>SnapshotRecord.NewestFirst</c>, i.e. ties broken by the
    /// returned snapshot id, ordinal (the draft's id, or the zero-padded identity value for rows saved before it was stored).
    /// </summary>
    private const string NewestFirst = "captured_at DESC, COALESCE(snapshot_key, lpad(snapshot_id::text, 19, '0')) COLLATE \"C\" DESC";

    public SnapshotSql(string schema, string tablePrefix)
    {
        var quotedSchema = Quote(schema);
        SnapshotsName = tablePrefix + "snapshots";
        BlobsName = tablePrefix + "snapshot_blobs";
        ChunksName = tablePrefix + "snapshot_chunks";
        SnapshotsIndexName = tablePrefix + "snapshots_by_process_id_captured_at";
        BlobsIndexName = tablePrefix + "snapshot_blobs_by_process_id";
        SnapshotKeysIndexName = tablePrefix + "snapshots_by_process_id_snapshot_key";
        Snapshots = $"{quotedSchema}.{Quote(SnapshotsName)}";
        Blobs = $"{quotedSchema}.{Quote(BlobsName)}";
        Chunks = $"{quotedSchema}.{Quote(ChunksName)}";
        LockPrefix = $"opencode-sessions:{schema}.{tablePrefix}:";

        SchemaExists =
            $"SELECT to_regclass('{Snapshots}') IS NOT NULL AND to_regclass('{Blobs}') IS NOT NULL AND to_regclass('{Chunks}') IS NOT NULL " +
            $"AND to_regclass('{quotedSchema}.{Quote(SnapshotsIndexName)}') IS NOT NULL AND to_regclass('{quotedSchema}.{Quote(BlobsIndexName)}') IS NOT NULL " +
            $"AND to_regclass('{quotedSchema}.{Quote(SnapshotKeysIndexName)}') IS NOT NULL";
        ChunksTableExists = $"SELECT to_regclass('{Chunks}') IS NOT NULL";
        CreateSchema = $"""
            CREATE SCHEMA IF NOT EXISTS {quotedSchema};
            CREATE TABLE IF NOT EXISTS {Blobs} (
                blob_id uuid PRIMARY KEY,
                process_id text NOT NULL,
                length bigint NOT NULL CHECK (length >= 0),
                chunk_count integer NOT NULL CHECK (chunk_count >= 0),
                created_at timestamptz NOT NULL DEFAULT now()
            );
            CREATE INDEX IF NOT EXISTS {Quote(BlobsIndexName)} ON {Blobs} (process_id);
            CREATE TABLE IF NOT EXISTS {Chunks} (
                blob_id uuid NOT NULL REFERENCES {Blobs} (blob_id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
                seq integer NOT NULL CHECK (seq >= 0),
                data bytea NOT NULL,
                PRIMARY KEY (blob_id, seq)
            );
            CREATE TABLE IF NOT EXISTS {Snapshots} (
                snapshot_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                process_id text NOT NULL,
                captured_at timestamptz NOT NULL,
                end_state text NOT NULL CHECK (end_state IN ('done', 'failed', 'cancelled')),
                session_id text NOT NULL,
                session_blob_id uuid NOT NULL UNIQUE REFERENCES {Blobs} (blob_id),
                workdir_blob_id uuid NOT NULL UNIQUE REFERENCES {Blobs} (blob_id),
                deliverables_emitted text[] NOT NULL,
                session_blob_encrypted boolean NOT NULL,
                workdir_blob_encrypted boolean NOT NULL,
                session_blob_length bigint NOT NULL CHECK (session_blob_length >= 0),
                workdir_blob_length bigint NOT NULL CHECK (workdir_blob_length >= 0)
            );
            CREATE INDEX IF NOT EXISTS {Quote(SnapshotsIndexName)} ON {Snapshots} (process_id, {IndexOrder});
            ALTER TABLE {Snapshots} ADD COLUMN IF NOT EXISTS snapshot_key text;
            CREATE UNIQUE INDEX IF NOT EXISTS {Quote(SnapshotKeysIndexName)} ON {Snapshots} (process_id, snapshot_key);
            """;

        // Chunks hold gzip or ciphertext: skip the pointless compression attempt (run only on a freshly created table,
        // because ALTER TABLE takes a lock that would wait for readers).
        StoreChunksUncompressed = $"ALTER TABLE {Chunks} ALTER COLUMN data SET STORAGE EXTERNAL";

        InsertChunk = $"INSERT INTO {Chunks} (blob_id, seq, data) VALUES ($1, $2, $3)";
        InsertBlob = $"INSERT INTO {Blobs} (blob_id, process_id, length, chunk_count) VALUES ($1, $2, $3, $4)";
        InsertSnapshot =
            $"INSERT INTO {Snapshots} (process_id, captured_at, end_state, session_id, session_blob_id, workdir_blob_id, deliverables_emitted, " +
            "session_blob_encrypted, workdir_blob_encrypted, session_blob_length, workdir_blob_length, snapshot_key) " +
            "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING snapshot_id";
        List = $"SELECT {RecordColumns} FROM {Snapshots} WHERE process_id = $1 ORDER BY {NewestFirst}";
        LoadLatest = List + " LIMIT 1";
        AdvisoryLock = "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))";
        PruneRecords =
            $"DELETE FROM {Snapshots} WHERE snapshot_id IN " +
            $"(SELECT snapshot_id FROM {Snapshots} WHERE process_id = $1 ORDER BY {NewestFirst} OFFSET $2) RETURNING {RecordColumns}";

        // Blobs of the process no record refers to: those of the records just pruned, plus any a record deleted by
        // hand left behind. Blobs of saves still in flight are uncommitted, hence invisible here and never touched.
        DeleteUnreferencedBlobs =
            $"DELETE FROM {Blobs} b WHERE b.process_id = $1 " +
            $"AND NOT EXISTS (SELECT 1 FROM {Snapshots} s WHERE s.session_blob_id = b.blob_id) " +
            $"AND NOT EXISTS (SELECT 1 FROM {Snapshots} s WHERE s.workdir_blob_id = b.blob_id) RETURNING b.blob_id";
        BlobHeader = $"SELECT length, chunk_count FROM {Blobs} WHERE blob_id = $1 AND process_id = $2";
        BlobChunks = $"SELECT seq, data FROM {Chunks} WHERE blob_id = $1 ORDER BY seq";
    }

    /// <summary>Gets the unquoted name of the records table (for messages).</summary>
    public string SnapshotsName { get; }

    /// <summary>Gets the unquoted name of the blobs table.</summary>
    public string BlobsName { get; }

    /// <summary>Gets the unquoted name of the chunks table.</summary>
    public string ChunksName { get; }

    /// <summary>Gets the unquoted name of the records index.</summary>
    public string SnapshotsIndexName { get; }

    /// <summary>Gets the unquoted name of the blobs index.</summary>
    public string BlobsIndexName { get; }

    /// <summary>Gets the unquoted name of the unique index on (process id, snapshot key).</summary>
    public string SnapshotKeysIndexName { get; }

    /// <summary>Gets the quoted, schema-qualified records table.</summary>
    public string Snapshots { get; }

    /// <summary>Gets the quoted, schema-qualified blobs table.</summary>
    public string Blobs { get; }

    /// <summary>Gets the quoted, schema-qualified chunks table.</summary>
    public string Chunks { get; }

    /// <summary>Gets the prefix of advisory-lock keys, unique per schema and table prefix.</summary>
    public string LockPrefix { get; }

    public string SchemaExists { get; }

    public string ChunksTableExists { get; }

    public string CreateSchema { get; }

    public string StoreChunksUncompressed { get; }

    public string InsertChunk { get; }

    public string InsertBlob { get; }

    public string InsertSnapshot { get; }

    public string List { get; }

    public string LoadLatest { get; }

    public string AdvisoryLock { get; }

    public string PruneRecords { get; }

    public string DeleteUnreferencedBlobs { get; }

    public string BlobHeader { get; }

    public string BlobChunks { get; }

    /// <summary>Quotes an identifier that was already validated as <c>[a-z_][a-z0-9_]*</c>.</summary>
    private static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
