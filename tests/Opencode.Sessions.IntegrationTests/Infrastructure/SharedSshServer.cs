namespace Opencode.Sessions.IntegrationTests.Infrastructure;

/// <summary>
/// The one sshd with default options that the SSH test classes share: started by the first class that asks, stopped
/// by pid when the assembly's tests end (<see cref="AssemblyServers"/>). It was started once per class before: seven
/// start-ups (host keys, a user key, sshd) per run for the same server.
/// </summary>
/// <remarks>
/// Sharing keeps every test's meaning: each test connects its own host under its own temp root, and the tests that
/// look at the server's connections (kill them, count control masters) never overlap one another. The classes that
/// use it either run in NUnit's non-parallel shift (the SSH host tests) or are the one parallel fixture that uses it
/// (<c>SshSessionTests</c>, whose parallel neighbours have servers of their own), and shifts never overlap.
/// Servers with special options (a network namespace, a remote environment) stay per test or per class.
/// </remarks>
internal static class SharedSshServer
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(2);
    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static SshServerFixture? _server;

    /// <summary>Gets the shared server, starting it on first use.</summary>
    public static async Task<SshServerFixture> GetAsync()
    {
        using var timeout = new CancellationTokenSource(StartTimeout);
        await Gate.WaitAsync(timeout.Token);
        try
        {
            return _server ??= await SshServerFixture.StartAsync(timeout.Token);
        }
        finally
        {
            Gate.Release();
        }
    }

    /// <summary>Stops the server (by pid) if it was started.</summary>
    public static async Task StopAsync()
    {
        await Gate.WaitAsync();
        try
        {
            if (_server is not null)
            {
                await _server.DisposeAsync();
                _server = null;
            }
        }
        finally
        {
            Gate.Release();
        }
    }
}
