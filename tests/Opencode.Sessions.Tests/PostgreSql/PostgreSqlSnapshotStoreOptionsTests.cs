using Npgsql;
using Opencode.Sessions.PostgreSql;
using Opencode.Sessions.PostgreSql.Internal;

namespace Opencode.Sessions.Tests.PostgreSql;

/// <summary>Option validation of <see cref="PostgreSqlSnapshotStore"/>: checked before any SQL exists, no server needed.</summary>
public sealed class PostgreSqlSnapshotStoreOptionsTests
{
    private static readonly NpgsqlDataSource DataSource = NpgsqlDataSource.Create("Host=127.0.0.1;Port=1;Database=unused");

    [OneTimeTearDown]
    public void DisposeDataSource() => DataSource.Dispose();

    [TestCase("x; drop table opencode_sessions_snapshots")]
    [TestCase("x\"; drop table t; --")]
    [TestCase("public\n")]
    [TestCase("Public")]
    [TestCase("1st")]
    [TestCase("a-b")]
    [TestCase("a b")]
    [TestCase("")]
    [TestCase("pg_temp")]
    [TestCase("snapshots_schema_with_a_name_that_is_longer_than_sixty_three_chars")]
    public void Constructor_UnsafeSchema_ThrowsArgumentExceptionNamingTheOption(string schema)
    {
        var ex = Assert.Throws<ArgumentException>(() => _ = new PostgreSqlSnapshotStore(DataSource, new PostgreSqlSnapshotStoreOptions { Schema = schema }));

        Assert.That(ex!.Message, Does.Contain("PostgreSqlSnapshotStoreOptions.Schema"));
        Assert.That(ex.ParamName, Is.EqualTo("options"));
    }

    [TestCase("x; drop table")]
    [TestCase("x'; --")]
    [TestCase("App_")]
    [TestCase("a\n")]
    [TestCase("9_")]
    [TestCase("prefix_longer_than_24_chs")]
    public void Constructor_UnsafeTablePrefix_ThrowsArgumentExceptionNamingTheOption(string prefix)
    {
        var ex = Assert.Throws<ArgumentException>(() => _ = new PostgreSqlSnapshotStore(DataSource, new PostgreSqlSnapshotStoreOptions { TablePrefix = prefix }));

        Assert.That(ex!.Message, Does.Contain("PostgreSqlSnapshotStoreOptions.TablePrefix"));
    }

    [TestCase("public", "")]
    [TestCase("_s9", "a")]
    [TestCase("opencode", "prefix_of_24_characters_")]
    public void Constructor_SafeNames_Accepted(string schema, string prefix)
    {
        var store = new PostgreSqlSnapshotStore(DataSource, new PostgreSqlSnapshotStoreOptions { Schema = schema, TablePrefix = prefix });

        Assert.That(store.SnapshotsTable, Is.EqualTo($"{schema}.{prefix}snapshots"));
    }

    [TestCase(0)]
    [TestCase(PostgreSqlSnapshotStoreOptions.MinChunkSize - 1)]
    [TestCase(PostgreSqlSnapshotStoreOptions.MaxChunkSize + 1)]
    public void Constructor_ChunkSizeOutOfRange_ThrowsArgumentOutOfRangeException(int chunkSize)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => _ = new PostgreSqlSnapshotStore(DataSource, new PostgreSqlSnapshotStoreOptions { ChunkSize = chunkSize }));
    }

    [Test]
    public void Constructor_NullDataSource_ThrowsArgumentNullException()
    {
        Assert.Throws<ArgumentNullException>(() => _ = new PostgreSqlSnapshotStore((NpgsqlDataSource)null!));
    }

    [Test]
    public void Constructor_MalformedConnectionString_ThrowsArgumentExceptionWithoutThePassword()
    {
        var ex = Assert.Throws<ArgumentException>(() => _ = new PostgreSqlSnapshotStore("Host=127.0.0.1;Password=hunter2-secret;No Such Keyword=1"));

        Assert.That(ex!.ParamName, Is.EqualTo("connectionString"));
        Assert.That(ex.ToString(), Does.Not.Contain("hunter2-secret"));
    }

    [Test]
    public void Options_Defaults_AreDocumented()
    {
        var options = new PostgreSqlSnapshotStoreOptions();

        Assert.That((options.Schema, options.TablePrefix, options.CreateSchema, options.ChunkSize), Is.EqualTo(("public", "opencode_sessions_", true, 1024 * 1024)));
    }

    [Test]
    public void SnapshotSql_LongestPrefix_KeepsEveryDerivedNameWithinPostgreSqlsIdentifierLimit()
    {
        var sql = new SnapshotSql("s", new string('p', PostgreSqlSnapshotStoreOptions.MaxTablePrefixLength));

        var names = new[] { sql.SnapshotsName, sql.BlobsName, sql.ChunksName, sql.SnapshotsIndexName, sql.BlobsIndexName };

        Assert.That(names.Select(n => n.Length), Is.All.LessThanOrEqualTo(63));
        Assert.That(sql.Snapshots, Is.EqualTo("\"s\".\"" + sql.SnapshotsName + "\""));
    }
}
