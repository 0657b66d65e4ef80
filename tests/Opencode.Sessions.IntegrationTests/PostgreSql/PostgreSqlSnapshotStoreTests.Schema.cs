using System.Net;
using System.Net.Sockets;
using Npgsql;
using Opencode.Sessions.IntegrationTests.Infrastructure;
using Opencode.Sessions.PostgreSql;
using Opencode.Sessions.Snapshots;

namespace Opencode.Sessions.IntegrationTests.PostgreSql;

/// <content>Schema creation, custom names, and failures that must stay free of secrets.</content>
public sealed partial class PostgreSqlSnapshotStoreTests
{
    [Test]
    [CancelAfter(120_000)]
    public async Task EnsureSchemaAsync_TablesFromBeforeSnapshotKeys_AddsTheColumnAndKeepsOldRows(CancellationToken cancellationToken)
    {
        // Arrange: a schema as the previous release left it (no snapshot_key column, no index on it), with one row.
        await _store.SaveAsync(Draft("p1", T0), Bytes("s"), Bytes("w"), cancellationToken);
        await _database.ScalarAsync<int>($"ALTER TABLE {Table("snapshots")} DROP COLUMN snapshot_key; SELECT 1", cancellationToken);

        // Act: a new store (a newer worker) uses it.
        await using var upgraded = CreateStore();
        var saved = await upgraded.SaveAsync(Draft("p1", T0.AddMinutes(1)), Bytes("s"), Bytes("w"), cancellationToken);

        // Assert
        var records = await upgraded.ListAsync("p1", cancellationToken);
        Assert.That(records.Select(r => r.SnapshotId), Is.EqualTo(new[] { saved.SnapshotId, records[1].SnapshotId }));
        Assert.That(records[1].SnapshotId, Has.Length.EqualTo(19), "the old row keeps its identity-based id");
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task EnsureSchemaAsync_ConcurrentAndRepeated_CreatesEachObjectOnceAndKeepsData(CancellationToken cancellationToken)
    {
        // Arrange: four stores (four "processes") racing to create the same schema.
        var stores = Enumerable.Range(0, 4).Select(_ => CreateStore()).ToList();

        // Act
        await Task.WhenAll(stores.Select(s => s.EnsureSchemaAsync(cancellationToken)));
        var saved = await _store.SaveAsync(Draft("p1", T0), Bytes("s"), Bytes("w"), cancellationToken);
        await using (var late = CreateStore())
        {
            await late.EnsureSchemaAsync(cancellationToken);
            await late.EnsureSchemaAsync(cancellationToken);
        }

        // Assert
        var objects = await _database.ScalarAsync<string>(
            $"SELECT string_agg(c.relname || ':' || c.relkind::text, ',' ORDER BY c.relname) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace " +
            $"WHERE n.nspname = '{_schema}' AND c.relkind IN ('r', 'i') AND c.relname NOT LIKE '%pkey' AND c.relname NOT LIKE '%key'",
            cancellationToken);
        Assert.That(objects, Is.EqualTo(
            "opencode_sessions_snapshot_blobs:r,opencode_sessions_snapshot_blobs_by_process_id:i,opencode_sessions_snapshot_chunks:r," +
            "opencode_sessions_snapshots:r,opencode_sessions_snapshots_by_process_id_captured_at:i"));
        var storage = await _database.ScalarAsync<char>(
            $"SELECT attstorage FROM pg_attribute WHERE attrelid = '{Table("snapshot_chunks")}'::regclass AND attname = 'data'", cancellationToken);
        Assert.That(storage, Is.EqualTo('e'), "chunks are stored uncompressed (EXTERNAL)");
        Assert.That((await _store.ListAsync("p1", cancellationToken)).Single().SnapshotId, Is.EqualTo(saved.SnapshotId));
        foreach (var store in stores)
        {
            await store.DisposeAsync();
        }
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task Operations_CreateSchemaOffAndNoTables_ThrowSnapshotExceptionNamingEnsureSchemaAsync(CancellationToken cancellationToken)
    {
        await using var store = CreateStore(createSchema: false);

        var ex = await Assert.ThrowsAsync<SnapshotException>(() => store.ListAsync("p1", cancellationToken));
        await store.EnsureSchemaAsync(cancellationToken);

        Assert.That(ex!.Message, Does.Contain(nameof(PostgreSqlSnapshotStore.EnsureSchemaAsync)).And.Contain($"{_schema}.opencode_sessions_snapshots"));
        Assert.That(ex.InnerException, Is.InstanceOf<PostgresException>());
        Assert.That(await store.ListAsync("p1", cancellationToken), Is.Empty);
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task SaveAsync_CustomPrefix_UsesPrefixedTables(CancellationToken cancellationToken)
    {
        await using var store = new PostgreSqlSnapshotStore(_database.DataSource, new PostgreSqlSnapshotStoreOptions { Schema = _schema, TablePrefix = "myapp_" });

        await store.SaveAsync(Draft("p1", T0), Bytes("s"), Bytes("w"), cancellationToken);

        Assert.That(store.SnapshotsTable, Is.EqualTo($"{_schema}.myapp_snapshots"));
        Assert.That(await _database.ScalarAsync<long>($"SELECT count(*) FROM \"{_schema}\".myapp_snapshots", cancellationToken), Is.EqualTo(1));
        Assert.That(await _database.ScalarAsync<bool>($"SELECT to_regclass('{Table("snapshots")}') IS NULL", cancellationToken), Is.True);
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task Operations_WrongPassword_ThrowSnapshotExceptionThatNamesTheServerButNoPassword(CancellationToken cancellationToken)
    {
        // Arrange
        var wrongPassword = "wrong-" + Guid.NewGuid().ToString("N");
        var builder = new NpgsqlConnectionStringBuilder(_database.ConnectionString) { Password = wrongPassword, Pooling = false };
        var logger = new RecordingLogger<PostgreSqlSnapshotStore>();
        await using var store = new PostgreSqlSnapshotStore(builder.ConnectionString, new PostgreSqlSnapshotStoreOptions { Schema = _schema }, logger);

        // Act
        var ex = await Assert.ThrowsAsync<SnapshotException>(() => store.ListAsync("p1", cancellationToken));

        // Assert
        Assert.That(ex!.Message, Does.Contain($"127.0.0.1:{PostgreSqlTestServer.Server.Port}").And.Contain(_database.Name));
        Assert.That(ex.InnerException, Is.InstanceOf<PostgresException>().With.Property(nameof(PostgresException.SqlState)).EqualTo(PostgresErrorCodes.InvalidPassword));
        AssertNoSecret(ex.ToString(), logger, wrongPassword, PostgreSqlTestServer.Server.Password);
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task SaveAsync_ServerUnreachable_ThrowsSnapshotExceptionWithoutPassword(CancellationToken cancellationToken)
    {
        // Arrange: a port nobody listens on.
        int port;
        using (var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
        {
            socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            port = ((IPEndPoint)socket.LocalEndPoint!).Port;
        }

        var secret = "s3cret-" + Guid.NewGuid().ToString("N");
        var logger = new RecordingLogger<PostgreSqlSnapshotStore>();
        await using var store = new PostgreSqlSnapshotStore($"Host=127.0.0.1;Port={port};Username=u;Password={secret};Database=d;Timeout=3", logger: logger);

        // Act
        var ex = await Assert.ThrowsAsync<SnapshotException>(() => store.SaveAsync(Draft("p1", T0), Bytes("s"), Bytes("w"), cancellationToken));

        // Assert
        Assert.That(ex!.Message, Does.Contain($"127.0.0.1:{port}").And.Contain("create its tables").And.Contain("reachable"));
        AssertNoSecret(ex.ToString(), logger, secret);
        Assert.That(logger.Entries.Select(e => e.EventId.Id), Is.EqualTo(new[] { 1607 }), "one warning (the failed schema check), no repeats");
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task DisposeAsync_StoreOwningItsDataSource_IsIdempotentAndRefusesLaterCalls(CancellationToken cancellationToken)
    {
        var store = new PostgreSqlSnapshotStore(_database.ConnectionString, new PostgreSqlSnapshotStoreOptions { Schema = _schema });
        await store.SaveAsync(Draft("p1", T0), Bytes("s"), Bytes("w"), cancellationToken);

        await store.DisposeAsync();
        await store.DisposeAsync();

        await Assert.ThrowsAsync<ObjectDisposedException>(() => store.ListAsync("p1", cancellationToken));
        Assert.That(await _store.ListAsync("p1", cancellationToken), Has.Count.EqualTo(1), "a shared data source stays usable");
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task Operations_LeastPrivilegedUser_SaveListReadAndPrune(CancellationToken cancellationToken)
    {
        // Arrange: tables created by the owner; a role with USAGE on the schema and SELECT, INSERT, DELETE on them.
        await _store.EnsureSchemaAsync(cancellationToken);
        var role = $"ocs_app_{_schema}";
        var password = Guid.NewGuid().ToString("N");
        await _database.ExecuteAsync(
            $"CREATE ROLE {role} LOGIN PASSWORD '{password}'; GRANT USAGE ON SCHEMA \"{_schema}\" TO {role}; " +
            $"GRANT SELECT, INSERT, DELETE ON {Table("snapshots")}, {Table("snapshot_blobs")}, {Table("snapshot_chunks")} TO {role}",
            cancellationToken);
        var builder = new NpgsqlConnectionStringBuilder(_database.ConnectionString) { Username = role, Password = password, Pooling = false };
        try
        {
            await using var store = new PostgreSqlSnapshotStore(builder.ConnectionString, new PostgreSqlSnapshotStoreOptions { Schema = _schema, ChunkSize = SmallChunk });

            // Act
            var first = await store.SaveAsync(Draft("p1", T0), Bytes("s"), async (sink, token) => await sink.WriteAsync(Pattern(3000, 11), token), cancellationToken);
            await store.SaveAsync(Draft("p1", T0.AddMinutes(1)), Bytes("s"), Bytes("w"), cancellationToken);
            var pruned = await store.PruneAsync("p1", 1, cancellationToken);

            // Assert
            Assert.That(pruned.Single().SnapshotId, Is.EqualTo(first.SnapshotId));
            Assert.That(await store.ListAsync("p1", cancellationToken), Has.Count.EqualTo(1));
            await using var blob = await store.OpenBlobAsync("p1", (await store.LoadLatestAsync("p1", cancellationToken))!.WorkdirBlobId, cancellationToken);
            Assert.That(await new StreamReader(blob).ReadToEndAsync(cancellationToken), Is.EqualTo("w"));
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            await _database.ExecuteAsync($"DROP OWNED BY {role}; DROP ROLE {role}", cancellationToken);
        }
    }

    private static void AssertNoSecret(string exceptionText, RecordingLogger<PostgreSqlSnapshotStore> logger, params string[] secrets)
    {
        foreach (var secret in secrets)
        {
            Assert.That(exceptionText, Does.Not.Contain(secret));
            Assert.That(logger.Entries.Select(e => e.Text), Has.None.Contains(secret));
        }
    }
}
