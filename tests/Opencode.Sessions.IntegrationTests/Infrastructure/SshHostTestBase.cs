using Opencode.Sessions.Hosting.Ssh;

namespace Opencode.Sessions.IntegrationTests.Infrastructure;

/// <summary>
/// Uses the shared sshd (<see cref="SharedSshServer"/>) and a connected <see cref="SshHost"/> per test, with its task root in a fresh
/// temporary directory (the server is this machine, so tests can inspect the "remote" side directly).
/// </summary>
public abstract class SshHostTestBase
{
    private SshServerFixture? _server;

    internal SshServerFixture Server => _server ?? throw new InvalidOperationException("The server is not started.");

    internal SshHost Host { get; private set; } = null!;

    /// <summary>Gets the task root of the current test (a local directory, seen by the host through sshd).</summary>
    protected string Root { get; private set; } = null!;

    [OneTimeSetUp]
    public async Task StartServerAsync() => _server = await SharedSshServer.GetAsync();

    [SetUp]
    public async Task ConnectAsync()
    {
        Root = Directory.CreateTempSubdirectory("ocs-ssh-root-").FullName;
        Host = new SshHost(Server.CreateConfig(remoteTaskRoot: Root), "proc-1");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        await Host.ConnectAsync(timeout.Token);
        await Host.SetupWorkdirAsync(timeout.Token);
    }

    [TearDown]
    public async Task DisconnectAsync()
    {
        var master = Host.MasterProcessId;
        await Host.DisposeAsync();
        Directory.Delete(Root, recursive: true);
        Assert.That(master is null || !ProcessTable.IsAlive(master.Value), Is.True, "the control master exited with the host");
    }
}
