using Opencode.Sessions.Hosting;
using Opencode.Sessions.Hosting.Ssh;
using Opencode.Sessions.IntegrationTests.Infrastructure;

namespace Opencode.Sessions.IntegrationTests.Sessions;

/// <summary>
/// The session scenarios over SSH: a real sshd on 127.0.0.1, the task root in the test's temp root. The sshd runs on
/// this machine, so the base's process checks see the remote side. After each test every SSH connection the test made
/// (the session's and the inspection hosts') must be closed: no control master may outlive its host.
/// </summary>
[TestFixture]
[Parallelizable(ParallelScope.Self)]
public sealed partial class SshSessionTests : SessionScenarios
{
    private SshServerFixture? _server;

    private SshServerFixture Server => _server ?? throw new InvalidOperationException("sshd is not started.");

    [OneTimeSetUp]
    public async Task StartServerAsync() => _server = await SharedSshServer.GetAsync();

    [TearDown]
    public async Task AssertNoConnectionLeftAsync()
    {
        IReadOnlyList<int> masters = [];
        if (await ProcessTable.WaitUntilAsync(() => (masters = Server.ClientMasterProcessIds(includeWatchdogs: true)).Count == 0, ProcessTable.SettleTimeout, CancellationToken.None))
        {
            return;
        }

        foreach (var pid in masters)
        {
            ProcessTable.Kill(pid);
        }

        Assert.Fail($"{masters.Count} ssh control master(s) outlived their host: {string.Join(", ", masters.Select(ProcessTable.CommandLine))}");
    }

    protected override OpencodeTaskConfig ConfigureHost(OpencodeTaskConfig config) => config with { Ssh = Server.CreateConfig(remoteTaskRoot: TaskRoot) };

    private protected override IEnumerable<string> JobRunnerHostArguments() =>
        [Server.Host, Server.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), Server.User, Server.IdentityFile, Server.KnownHostsFile];

    protected override async Task<IHost> ConnectInspectionHostAsync(CancellationToken cancellationToken)
    {
        var host = new SshHost(Server.CreateConfig(remoteTaskRoot: TaskRoot), "inspect");
        try
        {
            await host.ConnectAsync(cancellationToken);
            return host;
        }
        catch
        {
            await host.DisposeAsync();
            throw;
        }
    }
}
