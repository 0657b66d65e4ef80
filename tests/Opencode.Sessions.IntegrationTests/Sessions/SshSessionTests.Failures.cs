using System.Diagnostics;
using System.Runtime.CompilerServices;
using Opencode.Sessions.Hosting.Ssh;
using Opencode.Sessions.IntegrationTests.Infrastructure;
using Opencode.Sessions.Testing;

namespace Opencode.Sessions.IntegrationTests.Sessions;

/// <content>
/// SSH failures end to end: an unreachable host, a refused key, a changed host key, and a connection that drops while
/// the agent works. Each ends <see cref="TaskInstance.ExecuteAsync"/> with an <see cref="SshConnectionException"/> naming
/// the host and the cause; teardown still runs, the control master exits and no remote process survives.
/// </content>
public sealed partial class SshSessionTests
{
    [Test]
    [CancelAfter(OneSessionTimeout)]
    public async Task ExecuteAsync_HostUnreachable_ThrowsSshConnectionExceptionNamingHostAndCause(CancellationToken cancellationToken)
    {
        // Arrange: a port nobody listens on.
        var port = ClosedPort();
        var processId = NewProcessId("unreachable");
        var context = NewContext(processId);
        var afterExecuteRuns = new StrongBox<int>();
        var config = ConnectFailureConfig(Server.CreateConfig(remoteTaskRoot: TaskRoot) with { Port = port }, afterExecuteRuns);

        // Act
        var error = await CatchAsync(() => OpencodeTaskFactory.Create(processId, "unreachable", config).ExecuteAsync(context, cancellationToken));

        // Assert
        Assert.That(error, Is.TypeOf<SshConnectionException>(), Describe(context, processId));
        var ssh = (SshConnectionException)error!;
        Assert.That(ssh.Kind, Is.EqualTo(SshFailureKind.Unreachable));
        Assert.That(ssh.Target, Is.EqualTo($"{Server.User}@{Server.Host}:{port}"));
        Assert.That(ssh.Message, Does.Contain($"{Server.Host}:{port}").And.Contain("the host is unreachable").And.Contain("Connection refused"));
        await AssertConnectFailureTornDownAsync(context, processId, port, afterExecuteRuns.Value, cancellationToken);
    }

    [Test]
    [CancelAfter(OneSessionTimeout)]
    public async Task ExecuteAsync_KeyRefused_ThrowsSshConnectionExceptionNamingHostAndCause(CancellationToken cancellationToken)
    {
        // Arrange: a key the server has never seen.
        var processId = NewProcessId("refused-key");
        var context = NewContext(processId);
        var stranger = await Server.GenerateKeyAsync("stranger_" + processId, cancellationToken);
        var afterExecuteRuns = new StrongBox<int>();
        var config = ConnectFailureConfig(Server.CreateConfig(remoteTaskRoot: TaskRoot) with { IdentityFiles = [stranger] }, afterExecuteRuns);

        // Act
        var error = await CatchAsync(() => OpencodeTaskFactory.Create(processId, "refused key", config).ExecuteAsync(context, cancellationToken));

        // Assert
        Assert.That(error, Is.TypeOf<SshConnectionException>(), Describe(context, processId));
        var ssh = (SshConnectionException)error!;
        Assert.That(ssh.Kind, Is.EqualTo(SshFailureKind.AuthenticationFailed));
        Assert.That(ssh.Message, Does.Contain($"{Server.User}@{Server.Host}:{Server.Port}").And.Contain("authentication failed").And.Contain("Permission denied"));
        await AssertConnectFailureTornDownAsync(context, processId, Server.Port, afterExecuteRuns.Value, cancellationToken);
    }

    [Test]
    [CancelAfter(OneSessionTimeout)]
    public async Task ExecuteAsync_HostKeyChanged_ThrowsSshConnectionExceptionWarningOfAManInTheMiddle(CancellationToken cancellationToken)
    {
        // Arrange: known_hosts remembers another key for this host and port.
        var processId = NewProcessId("changed-key");
        var context = NewContext(processId);
        var knownHosts = Server.WriteKnownHosts("known_hosts_" + processId, await Server.ForeignHostKeyLineAsync(cancellationToken));
        var remembered = await File.ReadAllTextAsync(knownHosts, cancellationToken);
        var afterExecuteRuns = new StrongBox<int>();
        var config = ConnectFailureConfig(Server.CreateConfig(SshHostKeyPolicy.AcceptNew, TaskRoot) with { KnownHostsFile = knownHosts }, afterExecuteRuns);

        // Act
        var error = await CatchAsync(() => OpencodeTaskFactory.Create(processId, "changed key", config).ExecuteAsync(context, cancellationToken));

        // Assert: even AcceptNew never accepts a changed key.
        Assert.That(error, Is.TypeOf<SshConnectionException>(), Describe(context, processId));
        var ssh = (SshConnectionException)error!;
        Assert.That(ssh.Kind, Is.EqualTo(SshFailureKind.HostKeyChanged));
        Assert.That(ssh.Message, Does.Contain($"{Server.Host}:{Server.Port}").And.Contain("man-in-the-middle").And.Contain("ssh-keygen -R"));
        Assert.That(await File.ReadAllTextAsync(knownHosts, cancellationToken), Is.EqualTo(remembered), "known_hosts is left alone");
        await AssertConnectFailureTornDownAsync(context, processId, Server.Port, afterExecuteRuns.Value, cancellationToken);
    }

    [TestCase("the local control master is killed")]
    [TestCase("the server's connection process is killed")]
    [CancelAfter(OneSessionTimeout)]
    public async Task ExecuteAsync_ConnectionDropsWhileTheAgentWorks_ThrowsConnectionLostAndNoRemoteOpencodeSurvives(string cut, CancellationToken cancellationToken)
    {
        // Arrange: the model hangs mid-answer, so the session is live and busy when the connection goes.
        var processId = NewProcessId("dropped");
        var context = NewContext(processId);
        var config = CreateConfig(supportsResume: true);
        var run = await StartHangingSessionAsync(processId, config, context, cancellationToken, cancellationToken);
        Assert.That(OpencodeServersOf(processId), Has.Count.EqualTo(1), "opencode runs on the host");
        var masters = Server.ClientMasterProcessIds();
        Assert.That(masters, Has.Count.EqualTo(1), "one connection: the session's");

        // Act
        var clock = Stopwatch.StartNew();
        if (cut.Contains("master", StringComparison.Ordinal))
        {
            ProcessTable.Kill(masters[0]);
        }
        else
        {
            Server.KillConnections();
        }

        var error = await CatchAsync(() => run);
        clock.Stop();

        // Assert: the lost connection itself, whichever channel noticed first.
        Assert.That(error, Is.TypeOf<SshConnectionException>(), Describe(context, processId));
        var ssh = (SshConnectionException)error!;
        Assert.That(ssh.Kind, Is.EqualTo(SshFailureKind.ConnectionLost));
        Assert.That(ssh.Message, Does.Contain($"{Server.User}@{Server.Host}:{Server.Port}").And.Contain("the connection was lost"));
        Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(30)), "the drop is noticed at once, not after keep-alive timeouts (tens of seconds more)");
        Assert.That(await ProcessTable.WaitUntilAsync(() => OpencodeServersOf(processId).Count == 0, ProcessTable.SettleTimeout, cancellationToken), Is.True,
            "the host killed opencode when its channel closed");
        Assert.That(await ProcessTable.WaitUntilAsync(() => FindProcessesUnder(TaskDirectoryOf(processId)).Count == 0, ProcessTable.SettleTimeout, cancellationToken), Is.True,
            "…and the agent's background job, which had left opencode's process group: " + string.Join(", ", FindProcessesUnder(TaskDirectoryOf(processId))));
        Assert.That(await ProcessTable.WaitUntilAsync(() => !ProcessTable.IsAlive(masters[0]), ProcessTable.SettleTimeout, cancellationToken), Is.True, "the control master exited");

        // Nothing could be saved over a dead connection, so the work stays on the host for the next run.
        Assert.That(await Store.ListAsync(processId, cancellationToken), Is.Empty);
        Assert.That(context.SavedStateMarks, Is.Zero);
        Assert.That(context.Messages, Has.Some.StartsWith("Saving the session snapshot failed"));
        Assert.That(await ExistsOnHostAsync(WorkDirectoryOf(processId) + "/AGENTS.md", cancellationToken), Is.True, "the task directory is kept");
    }

    /// <summary>A configuration for <paramref name="ssh"/> that counts AfterExecute runs.</summary>
    private OpencodeTaskConfig ConnectFailureConfig(SshConfig ssh, StrongBox<int> afterExecuteRuns) => CreateConfig(supportsResume: true) with
    {
        Ssh = ssh,
        AfterExecute = (_, _) =>
        {
            afterExecuteRuns.Value++;
            return Task.CompletedTask;
        },
    };

    /// <summary>After a connect failure: nothing ran on the host, no hook ran, no master is left for the port.</summary>
    private async Task AssertConnectFailureTornDownAsync(RecordingProcessContext context, string processId, int port, int afterExecuteRuns, CancellationToken cancellationToken)
    {
        Assert.That(afterExecuteRuns, Is.Zero, "AfterExecute only runs once the session body started");
        Assert.That(context.Messages, Has.None.StartsWith("Checking opencode installation"), "nothing after connect ran");
        Assert.That(context.WidgetUpstreamCount, Is.Zero);
        Assert.That(await Store.ListAsync(processId, cancellationToken), Is.Empty);
        Assert.That(await ExistsOnHostAsync(TaskDirectoryOf(processId), cancellationToken), Is.False, "nothing was created on the host");
        Assert.That(await ProcessTable.WaitUntilAsync(() => ProcessTable.WithCommandLine($"-p {port} -l {Server.User} -N ").Count == 0, ProcessTable.SettleTimeout, cancellationToken), Is.True,
            "no ssh master is left for the host");
    }

    private static int ClosedPort()
    {
        using var socket = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
        socket.Bind(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0));
        return ((System.Net.IPEndPoint)socket.LocalEndPoint!).Port;
    }
}
