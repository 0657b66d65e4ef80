using Opencode.Sessions.IntegrationTests.Infrastructure;

namespace Opencode.Sessions.IntegrationTests.PostgreSql;

/// <summary>
/// Starts one PostgreSQL server for every test in this namespace (once per test run) and stops it afterwards; each
/// fixture creates its own database on it (<see cref="PostgreSqlTestDatabase"/>).
/// </summary>
[SetUpFixture]
public sealed class PostgreSqlTestServer
{
    private static PostgreSqlServerFixture? _server;

    /// <summary>Gets the running server.</summary>
    internal static PostgreSqlServerFixture Server => _server ?? throw new InvalidOperationException("The PostgreSQL server is not started.");

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        _server = await PostgreSqlServerFixture.StartAsync(timeout.Token);
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
            _server = null;
        }
    }
}
