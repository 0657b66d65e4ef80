using System.Net;
using System.Text.Json.Nodes;
using Opencode.Sessions.IntegrationTests.Infrastructure;
using Opencode.Sessions.Launching;

namespace Opencode.Sessions.IntegrationTests.Opencode;

public sealed class OpencodeLauncherIntegrationTests
{
    [Test]
    [CancelAfter(120000)]
    public async Task LaunchAsync_RealOpencode_ReadyOnParsedPortAndRequiresCredentials(CancellationToken cancellationToken)
    {
        // Arrange
        await using var bed = new OpencodeTestBed();
        var host = await bed.CreateHostAsync("launch-real", cancellationToken);

        // Act
        await using var server = await OpencodeTestBed.LaunchAsync(host, TestOpencode.ExecutablePath, cancellationToken);

        // Assert
        Assert.That(server.Port, Is.InRange(1024, 65535));
        Assert.That(server.OutputTail(200), Has.Some.Contains($"opencode server listening on http://127.0.0.1:{server.Port}"));
        using (var anonymous = OpencodeTestBed.CreateClient(server, withCredentials: false))
        {
            using var response = await anonymous.GetAsync("/global/health", cancellationToken);
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        }

        using (var client = OpencodeTestBed.CreateClient(server, withCredentials: true))
        {
            using var response = await client.GetAsync("/global/health", cancellationToken);
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            var health = JsonNode.Parse(await response.Content.ReadAsStringAsync(cancellationToken))!;
            Assert.That(health["healthy"]!.GetValue<bool>(), Is.True);
        }

        Assert.That(File.Exists(Path.Combine(host.TaskDirectory, "opencode.db")), Is.True, "OPENCODE_DB points into the task directory");
        Assert.That(Directory.Exists(Path.Combine(host.TaskDirectory, "home", ".local", "share", "opencode")), Is.True, "XDG data is isolated");
        Assert.That(Directory.Exists(Path.Combine(host.WorkDirectory, "run")), Is.False, "scratch stays outside the workdir");
    }

    [Test]
    [CancelAfter(120000)]
    public async Task LaunchAsync_RealOpencode_PasswordInNoArgvOfTheProcessGroup(CancellationToken cancellationToken)
    {
        await using var bed = new OpencodeTestBed();
        var host = await bed.CreateHostAsync("launch-argv", cancellationToken);

        await using var server = await OpencodeTestBed.LaunchAsync(host, TestOpencode.ExecutablePath, cancellationToken);

        var members = OpencodeTestBed.ProcessGroupMembers(server.Process.ProcessId);
        Assert.That(members, Does.Contain(server.Process.ProcessId));
        foreach (var pid in members)
        {
            var cmdline = await File.ReadAllTextAsync($"/proc/{pid}/cmdline", cancellationToken);
            Assert.That(cmdline, Does.Not.Contain(server.Credentials.Password), $"argv of pid {pid}");
        }

        var environ = await File.ReadAllTextAsync($"/proc/{server.Process.ProcessId}/environ", cancellationToken);
        Assert.That(environ.Split('\0'), Does.Contain("OPENCODE_SERVER_PASSWORD=" + server.Credentials.Password), "the password reaches opencode through its environment");
        var passwordFile = OpencodeEnvironment.PasswordFile(host.TaskDirectory);
        Assert.That(File.GetUnixFileMode(passwordFile), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite));
    }

    [Test]
    [CancelAfter(180000)]
    public async Task LaunchAsync_TwoAtOnce_DistinctPortsBothHealthy(CancellationToken cancellationToken)
    {
        await using var bed = new OpencodeTestBed();
        var first = await bed.CreateHostAsync("launch-a", cancellationToken);
        var second = await bed.CreateHostAsync("launch-b", cancellationToken);

        var launches = await Task.WhenAll(
            OpencodeTestBed.LaunchAsync(first, TestOpencode.ExecutablePath, cancellationToken),
            OpencodeTestBed.LaunchAsync(second, TestOpencode.ExecutablePath, cancellationToken));
        await using var a = launches[0];
        await using var b = launches[1];

        Assert.That(a.Port, Is.Not.EqualTo(b.Port));
        foreach (var server in launches)
        {
            using var client = OpencodeTestBed.CreateClient(server, withCredentials: true);
            using var response = await client.GetAsync("/global/health", cancellationToken);
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), $"server on port {server.Port}");
        }

        Assert.That(a.Credentials.Password, Is.Not.EqualTo(b.Credentials.Password));
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task LaunchAsync_NeverPrintsReadyLine_TimesOutAndLeavesNoProcess(CancellationToken cancellationToken)
    {
        await using var bed = new OpencodeTestBed();
        var host = await bed.CreateHostAsync("launch-timeout", cancellationToken);
        var fake = bed.WriteFakeOpencode("silent", "echo \"fake pid $$\"\necho 'Warning: still starting'\nsleep 300");

        var ex = await Assert.ThrowsAsync<TimeoutException>(() => OpencodeTestBed.LaunchAsync(host, fake, cancellationToken, TimeSpan.FromSeconds(2)));

        Assert.That(ex!.Message, Does.Contain("within 2 s").And.Contain("ReadyTimeout").And.Contain("Warning: still starting"));
        var pid = int.Parse(ex.Message.Split("fake pid ")[1].Split(Environment.NewLine)[0].Trim(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.That(OpencodeTestBed.ProcessGroupMembers(pid), Is.Empty, "the fake and its sleep child were killed");
        Assert.That(File.Exists(OpencodeEnvironment.PasswordFile(host.TaskDirectory)), Is.False);
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task LaunchAsync_ExitsAtOnce_ThrowsLaunchExceptionWithExitCodeAndOutput(CancellationToken cancellationToken)
    {
        await using var bed = new OpencodeTestBed();
        var host = await bed.CreateHostAsync("launch-exit", cancellationToken);
        var fake = bed.WriteFakeOpencode("crash", "echo 'Error: broken config' >&2\nexit 3");

        var ex = await Assert.ThrowsAsync<OpencodeLaunchException>(() => OpencodeTestBed.LaunchAsync(host, fake, cancellationToken));

        Assert.That(ex!.ExitCode, Is.EqualTo(3));
        Assert.That(ex.OutputTail, Does.Contain("Error: broken config"));
        Assert.That(ex.Message, Does.Contain("code 3").And.Contain("Error: broken config"));
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task LaunchAsync_Fake_GetsIsolatedEnvironmentStubsWorkdirAndServeArguments(CancellationToken cancellationToken)
    {
        await using var bed = new OpencodeTestBed();
        var host = await bed.CreateHostAsync("launch-env", cancellationToken);
        var fake = bed.WriteFakeOpencode("envdump", """
            echo "ARGS=$*"
            echo "PWD=$(pwd)"
            echo "HOME=$HOME"
            echo "XDG_CONFIG_HOME=$XDG_CONFIG_HOME"
            echo "DB=$OPENCODE_DB"
            echo "BROWSER=$BROWSER"
            echo "PATH1=${PATH%%:*}"
            echo "USER=$OPENCODE_SERVER_USERNAME"
            echo "CUSTOM=$CUSTOM"
            echo "AUTOUPDATE=$OPENCODE_DISABLE_AUTOUPDATE"
            [ -n "$OPENCODE_SERVER_PASSWORD" ] && echo HAS_PASSWORD
            [ -d "$HOME" ] && echo HOME_EXISTS
            xdg-open http://example.invalid && "$BROWSER" http://example.invalid && sensible-browser x && echo BROWSER_STUBS_OK
            echo "opencode server listening on http://127.0.0.1:45678"
            sleep 300
            """);
        var extra = new Dictionary<string, string?> { ["CUSTOM"] = "from config", ["OPENCODE_SERVER_PASSWORD"] = "attacker" };

        await using var server = await OpencodeTestBed.LaunchAsync(host, fake, cancellationToken, extra: extra);

        var lines = server.OutputTail(50);
        var task = host.TaskDirectory;
        Assert.That(server.Port, Is.EqualTo(45678));
        Assert.That(lines, Is.SupersetOf(new[]
        {
            "ARGS=serve --port 0 --hostname 127.0.0.1",
            "PWD=" + host.WorkDirectory,
            $"HOME={task}/home",
            $"XDG_CONFIG_HOME={task}/home/.config",
            $"DB={task}/opencode.db",
            $"BROWSER={task}/run/bin/xdg-open",
            $"PATH1={task}/run/bin",
            "USER=opencode",
            "CUSTOM=from config",
            "AUTOUPDATE=1",
            "HAS_PASSWORD",
            "HOME_EXISTS",
            "BROWSER_STUBS_OK",
        }));
        foreach (var stub in OpencodeEnvironment.BrowserStubNames)
        {
            Assert.That(File.GetUnixFileMode(Path.Combine(task, "run", "bin", stub)), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute), stub);
        }

        var environ = await File.ReadAllTextAsync($"/proc/{server.Process.ProcessId}/environ", cancellationToken);
        Assert.That(environ, Does.Not.Contain("attacker"), "a configured password never replaces the generated one");
        Assert.That(File.GetUnixFileMode(Path.Combine(task, "home")), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute));
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task DisposeAsync_RunningServer_StopsProcessGroupAndRemovesPasswordFile(CancellationToken cancellationToken)
    {
        await using var bed = new OpencodeTestBed();
        var host = await bed.CreateHostAsync("launch-dispose", cancellationToken);
        var fake = bed.WriteFakeOpencode("ready", "echo 'opencode server listening on http://127.0.0.1:45679'\nsleep 300 &\nwait");
        var server = await OpencodeTestBed.LaunchAsync(host, fake, cancellationToken);
        var pid = server.Process.ProcessId;

        await server.DisposeAsync();

        Assert.That(OpencodeTestBed.ProcessGroupMembers(pid), Is.Empty);
        Assert.That(File.Exists(OpencodeEnvironment.PasswordFile(host.TaskDirectory)), Is.False);
    }
}
