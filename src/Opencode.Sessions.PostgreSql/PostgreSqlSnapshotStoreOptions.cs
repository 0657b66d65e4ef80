using System.Text.RegularExpressions;

namespace Opencode.Sessions.PostgreSql;

/// <summary>Options of <see cref="PostgreSqlSnapshotStore"/>.</summary>
public sealed partial record PostgreSqlSnapshotStoreOptions
{
    /// <summary>The longest <see cref="TablePrefix"/>: PostgreSQL identifiers hold at most 63 bytes, and the longest name the store derives adds 39.</summary>
    public const int MaxTablePrefixLength = 24;

    /// <summary>The smallest <see cref="ChunkSize"/> (1 KiB).</summary>
    public const int MinChunkSize = 1024;

    /// <summary>The largest <see cref="ChunkSize"/> (64 MiB).</summary>
    public const int MaxChunkSize = 64 * 1024 * 1024;

    /// <summary>
    /// Gets the schema the tables live in. Default <c>public</c>. Lowercase letters, digits and <c>_</c>, starting with
    /// a letter or <c>_</c>, at most 63 characters, not starting with <c>pg_</c>.
    /// </summary>
    public string Schema { get; init; } = "public";

    /// <summary>
    /// Gets the prefix of the store's table and index names (<c>&lt;prefix&gt;snapshots</c>,
    /// <c>&lt;prefix&gt;snapshot_blobs</c>, <c>&lt;prefix&gt;snapshot_chunks</c>). Default <c>opencode_sessions_</c>.
    /// Lowercase letters, digits and <c>_</c>, starting with a letter or <c>_</c>, at most
    /// <see cref="MaxTablePrefixLength"/> characters; may be empty.
    /// </summary>
    public string TablePrefix { get; init; } = "opencode_sessions_";

    /// <summary>
    /// Gets a value indicating whether the store creates its schema, tables and indexes on first use (idempotent, see
    /// <see cref="PostgreSqlSnapshotStore.EnsureSchemaAsync"/>). Default <see langword="true"/>; set it to
    /// <see langword="false"/> when the database user may not run DDL and the tables are created by a migration.
    /// </summary>
    public bool CreateSchema { get; init; } = true;

    /// <summary>
    /// Gets the size in bytes of the chunks blobs are stored in (one <c>bytea</c> row each); a save buffers at most one
    /// chunk in memory. Default 1 MiB; between <see cref="MinChunkSize"/> and <see cref="MaxChunkSize"/>.
    /// </summary>
    public int ChunkSize { get; init; } = 1024 * 1024;

    /// <summary>Throws an <see cref="ArgumentException"/> naming the first invalid option.</summary>
    internal void Validate(string paramName)
    {
        if (Schema is null || Schema.Length > 63 || !Identifier().IsMatch(Schema) || Schema.StartsWith("pg_", StringComparison.Ordinal))
        {
            throw new ArgumentException(
                $"{nameof(PostgreSqlSnapshotStoreOptions)}.{nameof(Schema)} '{Schema}' is not an identifier the store accepts." + Environment.NewLine +
                "Use 1–63 lowercase letters, digits and '_', starting with a letter or '_' and not with 'pg_' (for example \"opencode\").",
                paramName);
        }

        if (TablePrefix is null || TablePrefix.Length > MaxTablePrefixLength || (TablePrefix.Length > 0 && !Identifier().IsMatch(TablePrefix)))
        {
            throw new ArgumentException(
                $"{nameof(PostgreSqlSnapshotStoreOptions)}.{nameof(TablePrefix)} '{TablePrefix}' is not an identifier prefix the store accepts." + Environment.NewLine +
                $"Use at most {MaxTablePrefixLength} lowercase letters, digits and '_', starting with a letter or '_' (for example \"myapp_\"), or an empty prefix.",
                paramName);
        }

        if (ChunkSize is < MinChunkSize or > MaxChunkSize)
        {
            throw new ArgumentOutOfRangeException(
                paramName,
                ChunkSize,
                $"{nameof(PostgreSqlSnapshotStoreOptions)}.{nameof(ChunkSize)} must be between {MinChunkSize} and {MaxChunkSize} bytes.");
        }
    }

    [GeneratedRegex("^[a-z_][a-z0-9_]*\\z", RegexOptions.CultureInvariant)]
    private static partial Regex Identifier();
}
