using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Opencode.Sessions.Hosting;
using Opencode.Sessions.Hosting.Ssh;
using Opencode.Sessions.IntegrationTests.Infrastructure;

namespace Opencode.Sessions.IntegrationTests.Hosting;

/// <summary>Host keys, authentication, unreachable hosts and connections that drop mid-session.</summary>
[TestFixture]
public sealed class SshHostConnectionTests
{
    private SshServerFixture _server = null!;
    private string _root = null!;

    [OneTimeSetUp]
    public async Task StartServerAsync() => _server = await SharedSshServer.GetAsync();

    [SetUp]
    public void CreateRoot() => _root = Directory.CreateTempSubdirectory("ocs-ssh-conn-").FullName;

    [TearDown]
    public void DeleteRoot() => Directory.Delete(_root, recursive: true);

    [Test]
    [CancelAfter(120_000)]
    public async Task Connect_UnknownHostKeyUnderVerify_IsRefused(CancellationToken cancellationToken)
    {
        var config = _server.CreateConfig() with { KnownHostsFile = _server.WriteKnownHosts("empty_known_hosts") };

        var error = await ConnectFailsAsync(config, cancellationToken);

        Assert.That(error.Kind, Is.EqualTo(SshFailureKind.HostKeyUnknown), error.Message);
        Assert.That(error.Message, Does.Contain($"127.0.0.1:{_server.Port}").And.Contain("known_hosts"));
    }

    [TestCase(SshHostKeyPolicy.Verify)]
    [TestCase(SshHostKeyPolicy.AcceptNew)]
    [CancelAfter(120_000)]
    public async Task Connect_ChangedHostKey_IsRefusedEvenUnderAcceptNew(SshHostKeyPolicy policy, CancellationToken cancellationToken)
    {
        var knownHosts = _server.WriteKnownHosts("changed_known_hosts_" + policy, await _server.ForeignHostKeyLineAsync(cancellationToken));
        var config = _server.CreateConfig(policy) with { KnownHostsFile = knownHosts };

        var error = await ConnectFailsAsync(config, cancellationToken);

        Assert.That(error.Kind, Is.EqualTo(SshFailureKind.HostKeyChanged), error.Message);
        Assert.That(error.Message, Does.Contain("man-in-the-middle"));
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task Connect_UnknownHostKeyUnderAcceptNew_ConnectsAndRecordsTheKey(CancellationToken cancellationToken)
    {
        var knownHosts = _server.WriteKnownHosts("accept_new_known_hosts");
        await using var host = new SshHost(_server.CreateConfig(SshHostKeyPolicy.AcceptNew, _root) with { KnownHostsFile = knownHosts }, "p");

        await host.ConnectAsync(cancellationToken);

        Assert.That(await File.ReadAllTextAsync(knownHosts, cancellationToken), Does.Contain(_server.HostKeyLine.Split(' ')[2]));
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task Connect_ChangedHostKeyUnderInsecure_Connects(CancellationToken cancellationToken)
    {
        var knownHosts = _server.WriteKnownHosts("insecure_known_hosts", await _server.ForeignHostKeyLineAsync(cancellationToken));
        await using var host = new SshHost(_server.CreateConfig(SshHostKeyPolicy.Insecure, _root) with { KnownHostsFile = knownHosts }, "p");

        await host.ConnectAsync(cancellationToken);

        Assert.That((await host.RunCommandAsync(new HostCommand("true", []), cancellationToken)).ExitCode, Is.EqualTo(0));
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task Connect_WrongKey_FailsWithAuthenticationFailed(CancellationToken cancellationToken)
    {
        var key = await _server.GenerateKeyAsync("not_authorized_" + Guid.NewGuid().ToString("N"), cancellationToken);

        var error = await ConnectFailsAsync(_server.CreateConfig() with { IdentityFiles = [key] }, cancellationToken);

        Assert.That(error.Kind, Is.EqualTo(SshFailureKind.AuthenticationFailed), error.Message);
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task Connect_RefusedPort_FailsQuicklyWithUnreachable(CancellationToken cancellationToken)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var closedPort = ((IPEndPoint)socket.LocalEndPoint!).Port; // bound, not listening: connections are refused
        var watch = Stopwatch.StartNew();

        var error = await ConnectFailsAsync(_server.CreateConfig() with { Port = closedPort }, cancellationToken);

        Assert.That(error.Kind, Is.EqualTo(SshFailureKind.Unreachable), error.Message);
        Assert.That(error.Message, Does.Contain($"127.0.0.1:{closedPort}"));
        Assert.That(watch.Elapsed, Is.LessThan(TimeSpan.FromSeconds(15)), "a refused port fails fast, not after the connect timeout");
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task MasterKilledMidCommandAndMidTail_ThrowConnectionLostAndLeaveNoRemoteProcess(CancellationToken cancellationToken)
    {
        await using var host = await ConnectAsync(cancellationToken);
        var token = "ocs-mid-" + Guid.NewGuid().ToString("N");
        var running = host.RunCommandAsync(HostCommand.Shell("sleep 300; : \"$1\"", token), cancellationToken);
        var log = host.WorkDirectory + "/" + token + ".log";
        await File.WriteAllTextAsync(log, "line\n", cancellationToken);
        await using var follower = host.FollowFileAsync(log, cancellationToken).GetAsyncEnumerator(cancellationToken);
        Assert.That(await follower.MoveNextAsync(), Is.True);
        var nextLine = follower.MoveNextAsync().AsTask();
        Assert.That(await ProcessTable.WaitUntilAsync(() => ProcessTable.WithCommandLine(token).Count >= 2, ProcessTable.SettleTimeout, cancellationToken), Is.True);

        ProcessTable.Kill(host.MasterProcessId!.Value);

        var error = await Assert.ThrowsAsync<SshConnectionException>(() => running);
        Assert.That(error!.Kind, Is.EqualTo(SshFailureKind.ConnectionLost), error.Message);
        Assert.That(error.Message, Does.Contain($"127.0.0.1:{_server.Port}"));
        var followError = await Assert.ThrowsAsync<SshConnectionException>(() => nextLine);
        Assert.That(followError!.Kind, Is.EqualTo(SshFailureKind.ConnectionLost), followError.Message);
        Assert.That(await ProcessTable.WaitUntilAsync(() => ProcessTable.WithCommandLine(token).Count == 0, ProcessTable.SettleTimeout, cancellationToken), Is.True, "a remote command or tail survived the lost connection");
        var next = await Assert.ThrowsAsync<SshConnectionException>(() => host.RunCommandAsync(new HostCommand("true", []), cancellationToken));
        Assert.That(next!.Kind, Is.EqualTo(SshFailureKind.ConnectionLost));
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task ServerConnectionKilled_LaunchedProcessFaultsAndNoRemoteProcessSurvives(CancellationToken cancellationToken)
    {
        await using var host = await ConnectAsync(cancellationToken);
        var token = "ocs-drop-" + Guid.NewGuid().ToString("N");
        var output = new ConcurrentQueue<string>();
        var process = await host.LaunchAsync(new HostProcessStartInfo("/bin/sh", ["-c", "trap '' TERM HUP; sleep 600 & echo READY; wait; : \"$1\"", "sh", token]) { OutputLine = output.Enqueue }, cancellationToken);
        await ProcessTable.WaitUntilAsync(() => output.Contains("READY"), ProcessTable.SettleTimeout, cancellationToken);
        var path = host.WorkDirectory + "/follow.log";
        await File.WriteAllTextAsync(path, "line\n", cancellationToken);
        await using var follower = host.FollowFileAsync(path, cancellationToken).GetAsyncEnumerator(cancellationToken);
        Assert.That(await follower.MoveNextAsync(), Is.True);
        var nextLine = follower.MoveNextAsync().AsTask();

        // Kill sshd's side of the connection: the network "drops" for the master and every channel.
        _server.KillConnections();

        var exited = await Assert.ThrowsAsync<SshConnectionException>(() => process.Exited);
        Assert.That(exited!.Kind, Is.EqualTo(SshFailureKind.ConnectionLost), exited.Message);
        Assert.That(exited.Message, Does.Contain($"127.0.0.1:{_server.Port}"));
        var followError = await Assert.ThrowsAsync<SshConnectionException>(() => nextLine);
        Assert.That(followError!.Kind, Is.EqualTo(SshFailureKind.ConnectionLost));
        Assert.That(await ProcessTable.WaitUntilAsync(() => ProcessTable.WithCommandLine(token).Count == 0 && ProcessTable.GroupMembers(process.ProcessId).Count == 0, ProcessTable.SettleTimeout, cancellationToken), Is.True, "a remote process survived the dropped connection");
        await process.TerminateAsync(TerminationMode.Graceful, cancellationToken);
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task ServerConnectionKilled_DescendantsThatLeftTheProcessGroupAreKilledToo(CancellationToken cancellationToken)
    {
        // Arrange: as opencode's tools do, the program starts children outside its process group: one in a session of
        // its own, one put in the background with nohup.
        await using var host = await ConnectAsync(cancellationToken);
        var token = "ocs-escape-" + Guid.NewGuid().ToString("N");
        var output = new ConcurrentQueue<string>();
        var script = "setsid sh -c 'sleep 600; : \"$1\"' own-session \"$1\" & nohup sh -c 'sleep 600; : \"$1\"' background \"$1\" >/dev/null 2>&1 & echo READY; wait";
        var process = await host.LaunchAsync(new HostProcessStartInfo("/bin/sh", ["-c", script, "sh", token]) { OutputLine = output.Enqueue }, cancellationToken);
        await ProcessTable.WaitUntilAsync(() => output.Contains("READY"), ProcessTable.SettleTimeout, cancellationToken);
        Assert.That(await ProcessTable.WaitUntilAsync(() => ProcessTable.WithCommandLine(token).Count >= 3, ProcessTable.SettleTimeout, cancellationToken), Is.True);
        var escaped = ProcessTable.WithCommandLine(token).Where(pid => !ProcessTable.GroupMembers(process.ProcessId).Contains(pid)).ToList();
        Assert.That(escaped, Is.Not.Empty, "a child left the program's process group");

        // Act
        _server.KillConnections();

        // Assert
        await Assert.ThrowsAsync<SshConnectionException>(() => process.Exited);
        Assert.That(await ProcessTable.WaitUntilAsync(() => ProcessTable.WithCommandLine(token).Count == 0, ProcessTable.SettleTimeout, cancellationToken), Is.True,
            "descendants outside the process group survived the dropped connection: " + string.Join(", ", ProcessTable.WithCommandLine(token)));
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task Tunnel_ForwardsToTheHostPortAndClosesWithTheHost(CancellationToken cancellationToken)
    {
        using var server = new TcpListener(IPAddress.Loopback, 0);
        server.Start();
        var serverPort = ((IPEndPoint)server.LocalEndpoint).Port;
        await using var host = await ConnectAsync(cancellationToken);

        var endpoint = await host.OpenTunnelAsync(serverPort, cancellationToken);
        using (var client = new TcpClient())
        {
            await client.ConnectAsync(endpoint, cancellationToken);
            using var accepted = await server.AcceptTcpClientAsync(cancellationToken);
            await client.GetStream().WriteAsync("ping"u8.ToArray(), cancellationToken);
            var buffer = new byte[4];
            await accepted.GetStream().ReadExactlyAsync(buffer, cancellationToken);
            Assert.That(buffer, Is.EqualTo("ping"u8.ToArray()));
        }

        Assert.That(endpoint.Address, Is.EqualTo(IPAddress.Loopback));
        Assert.That(endpoint.Port, Is.Not.EqualTo(serverPort));
        await host.DisposeAsync();

        using var after = new TcpClient();
        await Assert.ThrowsAsync<SocketException>(async () => await after.ConnectAsync(endpoint, cancellationToken));
    }

    [Test]
    public void TaskDirectory_BeforeConnect_NeedsTheRemoteUserUnlessARootIsConfigured()
    {
        var unconnected = new SshHost(_server.CreateConfig(), "p");
        var configured = new SshHost(_server.CreateConfig(remoteTaskRoot: "/srv/tasks/"), "p");

        Assert.Throws<InvalidOperationException>(() => _ = unconnected.TaskDirectory);
        Assert.That(configured.WorkDirectory, Is.EqualTo("/srv/tasks/p/workdir"));
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task Connect_DefaultRoot_IsPerUserUnderTmpAndPrivate(CancellationToken cancellationToken)
    {
        await using var host = new SshHost(_server.CreateConfig(), "ocs-default-root-" + Guid.NewGuid().ToString("N"));
        await host.ConnectAsync(cancellationToken);
        await host.SetupWorkdirAsync(cancellationToken);
        try
        {
            Assert.That(host.RemoteUser, Is.EqualTo(Environment.UserName));
            Assert.That(host.TaskDirectory, Does.StartWith($"/tmp/opencode-sessions-{Environment.UserName}/"));
            Assert.That(File.GetUnixFileMode($"/tmp/opencode-sessions-{Environment.UserName}"), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute));
        }
        finally
        {
            await host.CleanupTaskDirectoryAsync(cancellationToken);
        }
    }

    [Test]
    public void Constructor_InvalidConfiguration_ListsEveryProblem()
    {
        var config = new SshConfig("-oProxyCommand=evil") { Port = 0, TunnelBindAddress = "localhost", RemoteTaskRoot = "relative" };

        var error = Assert.Throws<ArgumentException>(() => _ = new SshHost(config, "p"));

        Assert.That(error!.Message, Does.Contain("Host").And.Contain("Port").And.Contain("TunnelBindAddress").And.Contain("RemoteTaskRoot"));
    }

    private async Task<SshHost> ConnectAsync(CancellationToken cancellationToken)
    {
        var host = new SshHost(_server.CreateConfig(remoteTaskRoot: _root), "p");
        await host.ConnectAsync(cancellationToken);
        await host.SetupWorkdirAsync(cancellationToken);
        return host;
    }

    private async Task<SshConnectionException> ConnectFailsAsync(SshConfig config, CancellationToken cancellationToken)
    {
        await using var host = new SshHost(config with { RemoteTaskRoot = _root }, "p");
        var error = await Assert.ThrowsAsync<SshConnectionException>(() => host.ConnectAsync(cancellationToken));
        return error!;
    }
}
