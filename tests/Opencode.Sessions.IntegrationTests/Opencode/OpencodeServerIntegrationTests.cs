using Opencode.Sessions.IntegrationTests.Infrastructure;
using Opencode.Sessions.Launching;
using Opencode.Sessions.Opencode;
using Opencode.Sessions.Testing;

namespace Opencode.Sessions.IntegrationTests.Opencode;

/// <summary><see cref="OpencodeServer"/> with the real opencode 1.18.33 from the install cache and a scripted model.</summary>
public sealed class OpencodeServerIntegrationTests
{
    private const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    [Test]
    [CancelAfter(240_000)]
    public async Task StartAsync_RealOpencode_ClientPromptsTheModelAndDisposeLeavesNothing(CancellationToken cancellationToken)
    {
        // Arrange
        using var dirs = new TempDirectory("ocs-server-it-");
        var workdir = dirs.Sub("work");
        var stateDirectory = Path.Combine(dirs.Path, "state");
        await using var model = await ScriptedModelServer.StartAsync(cancellationToken);
        var options = new OpencodeServerOptions
        {
            WorkingDirectory = workdir,
            OpencodeConfig = model.CreateOpencodeConfig(),
            Offline = true,
            InstallIfMissing = false,
            StateDirectory = stateDirectory,
        };

        // Act
        var server = await OpencodeServer.StartAsync(options, cancellationToken);
        int pid;
        string password;
        try
        {
            pid = server.ProcessId;
            password = server.Client.Options.Credentials!.Password;
            var health = await server.Client.GetHealthAsync(cancellationToken);
            var session = await server.Client.CreateSessionAsync(cancellationToken: cancellationToken);
            model.EnqueueForSession(
                session.Id,
                ScriptedReply.Bash("echo from-the-agent > made.txt; setsid sleep 600 > /dev/null 2>&1 < /dev/null &", "make a file, leave a process"),
                ScriptedReply.Text("Made it."));
            var reply = await server.Client.SendMessageAsync(session.Id, PromptRequest.FromText("Make the file."), cancellationToken);

            // Assert (running)
            Assert.That(health.Healthy, Is.True);
            Assert.That(server.Version, Is.EqualTo(OpencodeTaskConfig.DefaultOpencodeVersion).And.EqualTo(health.Version));
            Assert.That(reply.Parts.Where(p => p.Type == "text").Select(p => p.Text), Does.Contain("Made it."));
            Assert.That(File.ReadAllText(Path.Combine(workdir, "made.txt")), Is.EqualTo("from-the-agent\n"));
            Assert.That(model.Requests.Where(r => r.SessionId == session.Id && !r.IsTitleRequest).Select(r => r.WorkingDirectory), Is.All.EqualTo(workdir));
            var passwordFile = Path.Combine(stateDirectory, "opencode", "run", ".opencode-password");
            Assert.That(File.GetUnixFileMode(passwordFile), Is.EqualTo(Private));
            Assert.That(File.ReadAllText(passwordFile), Is.EqualTo(password));
            Assert.That(Directory.Exists(Path.Combine(stateDirectory, "opencode", "home", ".local", "share", "opencode")), Is.True, "XDG data is isolated");
            Assert.That(File.Exists(Path.Combine(stateDirectory, "opencode", "opencode.db")), Is.True);
            Assert.That(server.ToString(), Does.Not.Contain(password));
            foreach (var member in ProcessTable.GroupMembers(pid))
            {
                Assert.That(ProcessTable.CommandLine(member), Does.Not.Contain(password), $"argv of pid {member}");
            }

            Assert.That(ProcessAssertions.FindUnder(workdir).Select(p => p.CommandLine), Has.Some.Contains("sleep 600"), "the agent left a process running");
        }
        finally
        {
            await server.DisposeAsync();
        }

        // Assert (disposed)
        Assert.That(ProcessTable.GroupMembers(pid), Is.Empty);
        Assert.That(server.Exited.IsCompleted, Is.True);
        Assert.That(Directory.Exists(Path.Combine(stateDirectory, "opencode", "run")), Is.False, "password file and browser stubs are gone");
        await ProcessAssertions.NoProcessUnderAsync(dirs.Path, TimeSpan.FromSeconds(5));
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task StartAsync_TemporaryState_RemovedWithThePasswordFileOnDispose(CancellationToken cancellationToken)
    {
        using var dirs = new TempDirectory("ocs-server-it-");
        var options = new OpencodeServerOptions { WorkingDirectory = dirs.Sub("work"), Offline = true, InstallIfMissing = false };

        var server = await OpencodeServer.StartAsync(options, cancellationToken);
        var environ = File.ReadAllText($"/proc/{server.ProcessId}/environ").Split('\0');
        var database = environ.Single(e => e.StartsWith("OPENCODE_DB=", StringComparison.Ordinal))["OPENCODE_DB=".Length..];
        var state = Path.GetDirectoryName(Path.GetDirectoryName(database))!;
        var passwordFile = Path.Combine(state, "opencode", "run", ".opencode-password");
        Assert.That(File.GetUnixFileMode(passwordFile), Is.EqualTo(Private));
        Assert.That(File.GetUnixFileMode(state), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute));
        Assert.That(environ, Does.Contain("OPENCODE_DISABLE_MODELS_FETCH=1").And.Contain("OPENCODE_DISABLE_SHARE=1"));
        var pid = server.ProcessId;
        await server.DisposeAsync();
        await server.DisposeAsync();

        Assert.That(File.Exists(passwordFile), Is.False);
        Assert.That(Directory.Exists(state), Is.False);
        Assert.That(ProcessTable.GroupMembers(pid), Is.Empty);
        await ProcessAssertions.NoProcessUnderAsync(dirs.Path, TimeSpan.FromSeconds(5));
    }

    [Test]
    public async Task StartAsync_WorkingDirectoryMissing_FailsNamingIt()
    {
        var missing = Path.Combine(Path.GetTempPath(), "ocs-missing-" + Guid.NewGuid().ToString("N"));

        var ex = await Assert.ThrowsAsync<ArgumentException>(() => OpencodeServer.StartAsync(new OpencodeServerOptions { WorkingDirectory = missing }));

        Assert.That(ex!.ParamName, Is.EqualTo("WorkingDirectory"));
        Assert.That(ex.Message, Does.Contain(missing).And.Contain("existing directory"));
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task StartAsync_VersionNotInstalled_FailsWithInstallException(CancellationToken cancellationToken)
    {
        using var dirs = new TempDirectory("ocs-server-it-");
        var options = new OpencodeServerOptions { WorkingDirectory = dirs.Sub("work"), OpencodeVersion = "0.0.1", InstallIfMissing = false, StateDirectory = Path.Combine(dirs.Path, "state") };

        var ex = await Assert.ThrowsAsync<OpencodeInstallException>(() => OpencodeServer.StartAsync(options, cancellationToken));

        Assert.That(ex!.Version, Is.EqualTo("0.0.1"));
        Assert.That(ex.Message, Does.Contain("0.0.1"));
        Assert.That(Directory.Exists(Path.Combine(dirs.Path, "state", "opencode", "run")), Is.False);
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task StartAsync_ExecutableOfAnotherVersion_FailsTheVersionCheckAndStopsIt(CancellationToken cancellationToken)
    {
        using var dirs = new TempDirectory("ocs-server-it-");
        var options = new OpencodeServerOptions
        {
            WorkingDirectory = dirs.Sub("work"),
            OpencodeExecutable = TestOpencode.ExecutablePath,
            OpencodeVersion = "1.0.0",
            Offline = true,
        };

        var ex = await Assert.ThrowsAsync<OpencodeInstallException>(() => OpencodeServer.StartAsync(options, cancellationToken));

        Assert.That(ex!.Message, Does.Contain($"reports version {OpencodeTaskConfig.DefaultOpencodeVersion}").And.Contain("OpencodeVersion is 1.0.0"));
        await ProcessAssertions.NoProcessUnderAsync(dirs.Path, TimeSpan.FromSeconds(5));
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task StartAsync_ReadyTimeoutTooShort_ThrowsTimeoutAndLeavesNoProcess(CancellationToken cancellationToken)
    {
        using var dirs = new TempDirectory("ocs-server-it-");
        var stateDirectory = Path.Combine(dirs.Path, "state");
        var options = new OpencodeServerOptions
        {
            WorkingDirectory = dirs.Sub("work"),
            Offline = true,
            InstallIfMissing = false,
            StateDirectory = stateDirectory,
            ReadyTimeout = TimeSpan.FromMilliseconds(50),
        };

        var ex = await Assert.ThrowsAsync<TimeoutException>(() => OpencodeServer.StartAsync(options, cancellationToken));

        Assert.That(ex!.Message, Does.Contain("OpencodeServerOptions.ReadyTimeout").And.Contain("it was killed"));
        Assert.That(File.Exists(Path.Combine(stateDirectory, "opencode", "run", ".opencode-password")), Is.False);
        await ProcessAssertions.NoProcessUnderAsync(dirs.Path, TimeSpan.FromSeconds(5));
    }
}
