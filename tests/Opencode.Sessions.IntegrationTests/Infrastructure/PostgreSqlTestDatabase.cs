using Npgsql;

namespace Opencode.Sessions.IntegrationTests.Infrastructure;

/// <summary>A fresh database on the test server with a data source over it; dropped on dispose.</summary>
internal sealed class PostgreSqlTestDatabase : IAsyncDisposable
{
    private readonly PostgreSqlServerFixture _server;

    private PostgreSqlTestDatabase(PostgreSqlServerFixture server, string name)
    {
        _server = server;
        Name = name;
        ConnectionString = server.ConnectionString(name);
        DataSource = NpgsqlDataSource.Create(ConnectionString);
    }

    /// <summary>Gets the database name.</summary>
    public string Name { get; }

    /// <summary>Gets a connection string for the database (it holds the server's password).</summary>
    public string ConnectionString { get; }

    /// <summary>Gets a data source over the database.</summary>
    public NpgsqlDataSource DataSource { get; }

    public static async Task<PostgreSqlTestDatabase> CreateAsync(PostgreSqlServerFixture server, CancellationToken cancellationToken) =>
        new(server, await server.CreateDatabaseAsync(cancellationToken));

    /// <summary>Runs a query and returns its single value.</summary>
    public async Task<T> ScalarAsync<T>(string sql, CancellationToken cancellationToken)
    {
        await using var command = DataSource.CreateCommand(sql);
        return (T)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>Runs a statement.</summary>
    public async Task ExecuteAsync(string sql, CancellationToken cancellationToken)
    {
        await using var command = DataSource.CreateCommand(sql);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        await DataSource.DisposeAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        await _server.DropDatabaseAsync(Name, timeout.Token);
    }
}
