using Opencode.Sessions.Hosting;
using Opencode.Sessions.IntegrationTests.Infrastructure;

namespace Opencode.Sessions.IntegrationTests.Hosting;

[TestFixture]
public sealed class SshHostCommandTests : SshHostTestBase
{
    [Test]
    [CancelAfter(120_000)]
    public async Task RunCommand_EnvironmentAndHostileWorkingDirectory_AreApplied(CancellationToken cancellationToken)
    {
        var directory = Path.Combine(Root, "-dir with 'quote' $x\nnewline");
        Directory.CreateDirectory(directory);
        Environment.SetEnvironmentVariable("OCS_TEST_SHOULD_NOT_LEAK", "1");
        var command = HostCommand.Shell("pwd; printf '%s|' \"$A\" \"$B\" \"${HOME:-unset}\"") with
        {
            WorkingDirectory = directory,
            Environment = new Dictionary<string, string?> { ["A"] = "x'y\"z $HOME `id`", ["B"] = "multi\nline", ["HOME"] = null },
        };

        var result = await Host.RunCommandAsync(command, cancellationToken);

        Assert.That(result.StandardError, Is.Empty);
        Assert.That(result.StandardOutput, Is.EqualTo(directory + "\n" + "x'y\"z $HOME `id`|multi\nline|unset|"));
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task RunCommand_DefaultWorkingDirectory_IsTheWorkDirectory(CancellationToken cancellationToken)
    {
        var result = await Host.RunCommandAsync(new HostCommand("pwd", []), cancellationToken);

        Assert.That(result.StandardOutput, Is.EqualTo(Host.WorkDirectory + "\n"));
        Assert.That(Host.WorkDirectory, Is.EqualTo(Path.Combine(Root, "proc-1", "workdir")));
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task RunCommand_ExitCodeStderrAndSignal_AreReported(CancellationToken cancellationToken)
    {
        var failed = await Host.RunCommandAsync(HostCommand.Shell("echo out; printf 'err no newline' >&2; exit 42"), cancellationToken);
        var killed = await Host.RunCommandAsync(HostCommand.Shell("kill -TERM $$"), cancellationToken);
        var missing = await Host.RunCommandAsync(new HostCommand("/nonexistent/program", ["a"]), cancellationToken);

        Assert.That((failed.ExitCode, failed.StandardOutput, failed.StandardError), Is.EqualTo((42, "out\n", "err no newline")));
        Assert.That(killed.ExitCode, Is.EqualTo(143));
        Assert.That(missing.ExitCode, Is.EqualTo(127));
        Assert.That(missing.StandardError, Does.Contain("/nonexistent/program"));
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task RunCommand_MissingWorkingDirectory_ThrowsDirectoryNotFound(CancellationToken cancellationToken) =>
        await Assert.ThrowsAsync<DirectoryNotFoundException>(() => Host.RunCommandAsync(new HostCommand("true", []) { WorkingDirectory = "/nonexistent dir" }, cancellationToken));

    [Test]
    [CancelAfter(120_000)]
    public async Task RunCommand_Cancelled_KillsTheRemoteCommandAndKeepsSecretsOutOfArgv(CancellationToken cancellationToken)
    {
        var token = "ocs-cancel-" + Guid.NewGuid().ToString("N");
        var secret = "ocs-secret-" + Guid.NewGuid().ToString("N");
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var command = HostCommand.Shell("sleep 300; : \"$1\"", token) with { Environment = new Dictionary<string, string?> { ["SECRET"] = secret } };

        var running = Host.RunCommandAsync(command, cancel.Token);
        Assert.That(await ProcessTable.WaitUntilAsync(() => ProcessTable.WithCommandLine(token).Count > 0, ProcessTable.SettleTimeout, cancellationToken), Is.True);
        var secretsInArgv = ProcessTable.WithCommandLine(secret);
        cancel.Cancel();

        await Assert.ThrowsAsync(Is.InstanceOf<OperationCanceledException>(), () => running);
        Assert.That(secretsInArgv, Is.Empty, "the environment value must not appear in any process's argv");
        Assert.That(await ProcessTable.WaitUntilAsync(() => ProcessTable.WithCommandLine(token).Count == 0, ProcessTable.SettleTimeout, cancellationToken), Is.True, "the remote command survived cancellation");
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task ResolveHome_ReturnsTheRemoteHome(CancellationToken cancellationToken)
    {
        var home = await Host.ResolveHomeAsync(cancellationToken);

        Assert.That(home, Is.EqualTo(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile)));
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task SetupAndCleanup_CreatePrivateDirectoriesAndRemoveThem(CancellationToken cancellationToken)
    {
        var privateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
        Assert.That(File.GetUnixFileMode(Host.TaskDirectory), Is.EqualTo(privateMode));
        Assert.That(File.GetUnixFileMode(Host.WorkDirectory), Is.EqualTo(privateMode));
        await Host.RemoveFileAsync(Host.WorkDirectory + "/not there", cancellationToken);

        await Host.CleanupTaskDirectoryAsync(cancellationToken);

        Assert.That(Directory.Exists(Host.TaskDirectory), Is.False);
    }
}
