using Microsoft.Extensions.Logging;
using Opencode.Sessions.IntegrationTests.Infrastructure;
using Opencode.Sessions.PostgreSql;
using Opencode.Sessions.Snapshots;
using Opencode.Sessions.Testing.Contracts;

namespace Opencode.Sessions.IntegrationTests.PostgreSql;

/// <summary>
/// The <see cref="ISnapshotStore"/> contract kit and the PostgreSQL specifics, against a real server: one database per
/// fixture, one schema per test. The kit's store uses the default chunk size (1 MiB); the specific tests use
/// <c>_store</c>, with 1 KiB chunks, on the same schema.
/// </summary>
public sealed partial class PostgreSqlSnapshotStoreTests : DurableSnapshotStoreContractTests
{
    private const int SmallChunk = PostgreSqlSnapshotStoreOptions.MinChunkSize;
    private static int _schemaCounter;
    private PostgreSqlTestDatabase _database = null!;
    private PostgreSqlSnapshotStore _store = null!;
    private string _schema = null!;

    [OneTimeSetUp]
    public async Task CreateDatabaseAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        _database = await PostgreSqlTestDatabase.CreateAsync(PostgreSqlTestServer.Server, timeout.Token);
    }

    [OneTimeTearDown]
    public async Task DropDatabaseAsync() => await _database.DisposeAsync();

    protected override Task<ISnapshotStore> CreateStoreAsync(CancellationToken cancellationToken)
    {
        _schema = $"t{Interlocked.Increment(ref _schemaCounter)}";
        _store = CreateStore();
        return Task.FromResult<ISnapshotStore>(CreateStore(chunkSize: MiB));
    }

    protected override async ValueTask DisposeStoreAsync(ISnapshotStore store)
    {
        await base.DisposeStoreAsync(store);
        await _store.DisposeAsync();
    }

    protected override async Task<bool> BlobExistsAsync(string processId, string blobId, CancellationToken cancellationToken) =>
        await _database.ScalarAsync<long>($"SELECT count(*) FROM {Table("snapshot_blobs")} WHERE blob_id = '{Guid.Parse(blobId)}' AND process_id = '{processId}'", cancellationToken) > 0;

    protected override async Task<long?> CountStoredBlobsAsync(string processId, CancellationToken cancellationToken) =>
        await _database.ScalarAsync<long>($"SELECT count(*) FROM {Table("snapshot_blobs")} WHERE process_id = '{processId}'", cancellationToken);

    protected override async Task<string> CreateOrphanBlobAsync(string processId, CancellationToken cancellationToken)
    {
        // A blob header and chunk without a record: what a save outside a transaction would leave (this store's saves cannot).
        var blobId = Guid.NewGuid();
        await _database.ExecuteAsync(
            $"INSERT INTO {Table("snapshot_blobs")} (blob_id, process_id, length, chunk_count) VALUES ('{blobId}', '{processId}', 3, 1); " +
            $"INSERT INTO {Table("snapshot_chunks")} (blob_id, seq, data) VALUES ('{blobId}', 0, 'abc'::bytea)",
            cancellationToken);
        return blobId.ToString("N");
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task SaveAsync_BlobsSpanningChunks_StoresNumberedChunksAndReadsThemBack(CancellationToken cancellationToken)
    {
        // Arrange: 10 000 bytes in 1 KiB chunks = 9 full chunks + 784 bytes; the session blob is written synchronously.
        var content = Pattern(10_000, seed: 7);

        // Act
        var record = await _store.SaveAsync(
            Draft("p1", T0),
            (sink, _) =>
            {
                sink.Write(content, 0, 3000);
                sink.Write(content, 3000, 7000);
                return Task.CompletedTask;
            },
            async (sink, token) => await sink.WriteAsync(content, token),
            cancellationToken);

        // Assert
        var chunks = await ChunkLengthsAsync(record.WorkdirBlobId, cancellationToken);
        Assert.That(chunks, Is.EqualTo(Enumerable.Repeat(SmallChunk, 9).Append(10_000 - (9 * SmallChunk))));
        Assert.That(await ChunkLengthsAsync(record.SessionBlobId, cancellationToken), Is.EqualTo(chunks));
        Assert.That((record.SessionBlobLength, record.WorkdirBlobLength), Is.EqualTo((10_000L, 10_000L)));
        Assert.That(await ReadAllAsync("p1", record.WorkdirBlobId, cancellationToken), Is.EqualTo(content));
        await using var session = await _store.OpenBlobAsync("p1", record.SessionBlobId, cancellationToken);
        using var copy = new MemoryStream();
        session.CopyTo(copy, 700); // the synchronous read path, in reads that straddle chunk boundaries
        Assert.That(copy.ToArray(), Is.EqualTo(content));
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task SaveAsync_EmptyBlobs_StoresNoChunksAndReadsEmpty(CancellationToken cancellationToken)
    {
        var record = await _store.SaveAsync(Draft("p1", T0), (_, _) => Task.CompletedTask, (_, _) => Task.CompletedTask, cancellationToken);

        Assert.That(await ChunkLengthsAsync(record.SessionBlobId, cancellationToken), Is.Empty);
        Assert.That(await ReadAllAsync("p1", record.WorkdirBlobId, cancellationToken), Is.Empty);
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task SaveAsync_WriterThrowsAfterSeveralChunks_LeavesNoRowAnywhere(CancellationToken cancellationToken)
    {
        // Arrange: the session blob completes (3 chunks), the workdir writer fails after 5 inserted chunks.
        var logger = new RecordingLogger<PostgreSqlSnapshotStore>();
        await using var store = CreateStore(logger: logger);

        // Act
        var ex = await Assert.ThrowsAsync<IOException>(() => store.SaveAsync(
            Draft("p1", T0),
            async (sink, token) => await sink.WriteAsync(Pattern(3 * SmallChunk, 1), token),
            async (sink, token) =>
            {
                await sink.WriteAsync(Pattern((5 * SmallChunk) + 10, 2), token);
                throw new IOException("tar failed");
            },
            cancellationToken));

        // Assert
        Assert.That(ex!.Message, Is.EqualTo("tar failed"));
        Assert.That(await RowCountsAsync(cancellationToken), Is.EqualTo((0L, 0L, 0L)));
        Assert.That(logger.Entries.Select(e => e.EventId.Id), Does.Contain(1601));
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task SaveAsync_CancelledBetweenChunks_LeavesNoRowAnywhere(CancellationToken cancellationToken)
    {
        using var cancel = new CancellationTokenSource();

        await Assert.CatchAsync<OperationCanceledException>(() => _store.SaveAsync(
            Draft("p1", T0),
            async (sink, token) =>
            {
                await sink.WriteAsync(Pattern(4 * SmallChunk, 3), token);
                await cancel.CancelAsync();
                await sink.WriteAsync(Pattern(4 * SmallChunk, 4), token);
            },
            Bytes("never"),
            cancel.Token));

        Assert.That(await RowCountsAsync(cancellationToken), Is.EqualTo((0L, 0L, 0L)));
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task SaveAsync_CaptureTimeWithTicks_RecordCarriesTheStoredMicroseconds(CancellationToken cancellationToken)
    {
        var capturedAt = T0.AddTicks(1_234_567).ToOffset(TimeSpan.FromHours(-5));

        var saved = await _store.SaveAsync(Draft("p1", capturedAt), Bytes("s"), Bytes("w"), cancellationToken);
        var loaded = await _store.LoadLatestAsync("p1", cancellationToken);

        Assert.That(saved.CapturedAt, Is.EqualTo(T0.AddTicks(1_234_560)));
        Assert.That(loaded!.SnapshotId, Is.EqualTo(saved.SnapshotId));
        Assert.That((loaded.CapturedAt, loaded.CapturedAt.Offset), Is.EqualTo((saved.CapturedAt, TimeSpan.Zero)));
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task OpenBlobAsync_ChunkDeletedOutsideTheStore_ThrowsSnapshotExceptionWhileReading(CancellationToken cancellationToken)
    {
        var record = await _store.SaveAsync(Draft("p1", T0), Bytes("s"), async (sink, token) => await sink.WriteAsync(Pattern(3 * SmallChunk, 5), token), cancellationToken);
        await _database.ExecuteAsync($"DELETE FROM {Table("snapshot_chunks")} WHERE blob_id = '{record.WorkdirBlobId}' AND seq = 1", cancellationToken);

        var ex = await Assert.ThrowsAsync<SnapshotException>(() => ReadAllAsync("p1", record.WorkdirBlobId, cancellationToken));

        Assert.That(ex!.Message, Does.Contain("corrupt").And.Contain("chunk 2 came where chunk 1 belongs"));
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task OpenBlobAsync_PrunedWhileBeingRead_StillReadsTheWholeBlob(CancellationToken cancellationToken)
    {
        // Arrange: a reader that has taken its first chunk when the snapshot is pruned.
        var content = Pattern(6 * SmallChunk, 9);
        var record = await _store.SaveAsync(Draft("p1", T0), Bytes("s"), async (sink, token) => await sink.WriteAsync(content, token), cancellationToken);
        await using var blob = await _store.OpenBlobAsync("p1", record.WorkdirBlobId, cancellationToken);
        var first = new byte[100];
        await blob.ReadExactlyAsync(first, cancellationToken);

        // Act
        var pruned = await _store.PruneAsync("p1", 0, cancellationToken);
        using var rest = new MemoryStream();
        await blob.CopyToAsync(rest, cancellationToken);

        // Assert: the reader's snapshot is unaffected; a new open sees the prune.
        Assert.That(pruned, Has.Count.EqualTo(1));
        Assert.That(first.Concat(rest.ToArray()), Is.EqualTo(content));
        await Assert.ThrowsAsync<SnapshotException>(() => _store.OpenBlobAsync("p1", record.WorkdirBlobId, cancellationToken));
        Assert.That(await RowCountsAsync(cancellationToken), Is.EqualTo((0L, 0L, 0L)));
    }

    [TestCase("0123456789ABCDEF0123456789ABCDEF")]
    [TestCase("01234567-89ab-cdef-0123-456789abcdef")]
    [TestCase("x'; DROP TABLE t; --")]
    [CancelAfter(120_000)]
    public async Task OpenBlobAsync_NotABlobId_ThrowsArgumentException(string blobId, CancellationToken cancellationToken)
    {
        await Assert.ThrowsAsync<ArgumentException>(() => _store.OpenBlobAsync("p1", blobId, cancellationToken));
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task SaveAsync_Always_StoresTheSeedFieldsAsColumns(CancellationToken cancellationToken)
    {
        var record = await _store.SaveAsync(Draft("p1", T0, SnapshotEndState.Failed) with { DeliverablesEmitted = ["a.md", "b/c.txt"] }, Bytes("s"), Bytes("w"), cancellationToken);

        var row = await _database.ScalarAsync<string>(
            $"SELECT concat_ws('|', process_id, captured_at AT TIME ZONE 'UTC', end_state, session_id, session_blob_id, workdir_blob_id, array_to_string(deliverables_emitted, ',')) " +
            $"FROM {Table("snapshots")} WHERE snapshot_key = '{record.SnapshotId}'",
            cancellationToken);

        Assert.That(row, Is.EqualTo($"p1|2026-11-21 10:00:00|failed|ses_1|{Guid.Parse(record.SessionBlobId)}|{Guid.Parse(record.WorkdirBlobId)}|a.md,b/c.txt"));
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task ListAsync_RowSavedBeforeSnapshotKeysExisted_GetsItsIdentityAsId(CancellationToken cancellationToken)
    {
        var record = await _store.SaveAsync(Draft("p1", T0), Bytes("s"), Bytes("w"), cancellationToken);
        var identity = await _database.ScalarAsync<long>($"SELECT snapshot_id FROM {Table("snapshots")} WHERE snapshot_key = '{record.SnapshotId}'", cancellationToken);
        await _database.ScalarAsync<long>($"WITH u AS (UPDATE {Table("snapshots")} SET snapshot_key = NULL RETURNING 1) SELECT count(*) FROM u", cancellationToken);

        var legacy = (await _store.ListAsync("p1", cancellationToken)).Single();

        Assert.That(legacy.SnapshotId, Is.EqualTo(identity.ToString("D19", System.Globalization.CultureInfo.InvariantCulture)));
    }

    private PostgreSqlSnapshotStore CreateStore(int chunkSize = SmallChunk, bool createSchema = true, ILogger<PostgreSqlSnapshotStore>? logger = null) =>
        new(_database.DataSource, new PostgreSqlSnapshotStoreOptions { Schema = _schema, ChunkSize = chunkSize, CreateSchema = createSchema }, logger);

    private string Table(string name) => $"\"{_schema}\".\"opencode_sessions_{name}\"";

    private async Task<(long Snapshots, long Blobs, long Chunks)> RowCountsAsync(CancellationToken cancellationToken) => (
        await _database.ScalarAsync<long>($"SELECT count(*) FROM {Table("snapshots")}", cancellationToken),
        await _database.ScalarAsync<long>($"SELECT count(*) FROM {Table("snapshot_blobs")}", cancellationToken),
        await _database.ScalarAsync<long>($"SELECT count(*) FROM {Table("snapshot_chunks")}", cancellationToken));

    /// <summary>The byte length of each chunk row of a blob, in sequence order (and checks the numbering has no gap).</summary>
    private async Task<List<int>> ChunkLengthsAsync(string blobId, CancellationToken cancellationToken)
    {
        await using var command = _database.DataSource.CreateCommand($"SELECT seq, length(data) FROM {Table("snapshot_chunks")} WHERE blob_id = '{blobId}' ORDER BY seq");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var lengths = new List<int>();
        while (await reader.ReadAsync(cancellationToken))
        {
            Assert.That(reader.GetInt32(0), Is.EqualTo(lengths.Count), "chunk numbering");
            lengths.Add(reader.GetInt32(1));
        }

        return lengths;
    }

    private async Task<byte[]> ReadAllAsync(string processId, string blobId, CancellationToken cancellationToken)
    {
        await using var blob = await _store.OpenBlobAsync(processId, blobId, cancellationToken);
        using var copy = new MemoryStream();
        await blob.CopyToAsync(copy, cancellationToken);
        return copy.ToArray();
    }
}
