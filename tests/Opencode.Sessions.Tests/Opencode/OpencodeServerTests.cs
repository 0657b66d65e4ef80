using System.Text;
using Opencode.Sessions.Launching;

namespace Opencode.Sessions.Tests.Opencode;

/// <summary>
/// <see cref="OpencodeServer"/> against a fake <c>opencode</c> script (it prints the ready line pointing at a stub
/// HTTP server that answers the health route) on the real local host: the whole start, check and dispose path.
/// </summary>
public sealed class OpencodeServerTests
{
    private const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode PrivateDirectory = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private string _root = null!;
    private string _workdir = null!;
    private string _report = null!;

    [SetUp]
    public void SetUp()
    {
        _root = Directory.CreateTempSubdirectory("ocs-server-test-").FullName;
        _workdir = Directory.CreateDirectory(Path.Combine(_root, "work")).FullName;
        _report = Path.Combine(_root, "report");
    }

    [TearDown]
    public void TearDown() => Directory.Delete(_root, recursive: true);

    [Test]
    [CancelAfter(60_000)]
    public async Task StartAsync_Fake_ReadyClientUsesThePasswordFromItsPrivateFile(CancellationToken cancellationToken)
    {
        await using var stub = HealthStub("""{"healthy":true,"version":"1.18.33"}""");

        await using var server = await OpencodeServer.StartAsync(Options(stub) with { Model = "fake/model" }, cancellationToken);

        var health = await server.Client.GetHealthAsync(cancellationToken);
        var password = PasswordSentTo(stub);
        var state = StateDirectory();
        Assert.Multiple(() =>
        {
            Assert.That(health.Healthy, Is.True);
            Assert.That(server.Version, Is.EqualTo("1.18.33"));
            Assert.That(server.BaseAddress, Is.EqualTo(stub.BaseAddress));
            Assert.That(server.WorkingDirectory, Is.EqualTo(_workdir));
            Assert.That(server.Client.Options.Directory, Is.EqualTo(_workdir));
            Assert.That(server.Exited.IsCompleted, Is.False);
            Assert.That(password, Has.Length.EqualTo(43));
            Assert.That(Path.GetFileName(state), Does.StartWith("opencode-server-"));
            Assert.That(File.GetUnixFileMode(state), Is.EqualTo(PrivateDirectory));
            Assert.That(File.GetUnixFileMode(Path.Combine(state, "opencode")), Is.EqualTo(PrivateDirectory));
        });
        var passwordFile = Path.Combine(state, "opencode", "run", ".opencode-password");
        Assert.That(File.ReadAllText(passwordFile), Is.EqualTo(password));
        Assert.That(File.GetUnixFileMode(passwordFile), Is.EqualTo(Private));
        var configFile = Path.Combine(state, "opencode", "opencode.json");
        Assert.That(File.GetUnixFileMode(configFile), Is.EqualTo(Private));
        Assert.That(File.ReadAllText(configFile), Does.Contain("\"model\": \"fake/model\""));
        Assert.That(Report(), Does.Contain("CONFIG=" + configFile).And.Contain("PWD=" + _workdir).And.Contain("HOME=" + Path.Combine(state, "opencode", "home")));
        Assert.That(Directory.EnumerateFileSystemEntries(_workdir), Is.Empty, "the working directory is left alone");
        Assert.That(server.ToString(), Does.Not.Contain(password).And.Contain($"pid {server.ProcessId}"));
        Assert.That(server.Client.Options.ToString(), Does.Not.Contain(password));
        foreach (var pid in GroupMembers(server.ProcessId))
        {
            Assert.That(File.ReadAllText($"/proc/{pid}/cmdline"), Does.Not.Contain(password), $"argv of pid {pid}");
        }
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task DisposeAsync_TwiceAndConcurrently_StopsTheGroupAndRemovesEverythingOnce(CancellationToken cancellationToken)
    {
        await using var stub = HealthStub("""{"healthy":true,"version":"1.18.33"}""");
        var server = await OpencodeServer.StartAsync(Options(stub), cancellationToken);
        var pid = server.ProcessId;
        var state = StateDirectory();
        Assert.That(GroupMembers(pid), Has.Count.GreaterThanOrEqualTo(2), "the fake and its sleep child");

        await Task.WhenAll(server.DisposeAsync().AsTask(), server.DisposeAsync().AsTask());
        await server.DisposeAsync();

        Assert.That(GroupMembers(pid), Is.Empty);
        Assert.That(server.Exited.IsCompleted, Is.True);
        Assert.That(Directory.Exists(state), Is.False, "the temporary state directory (password file, home, database) is gone");
        await Assert.ThrowsAsync<ObjectDisposedException>(() => server.Client.GetHealthAsync(cancellationToken));
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task StartAsync_ServerReportsAnotherVersion_ThrowsInstallExceptionAndCleansUp(CancellationToken cancellationToken)
    {
        await using var stub = HealthStub("""{"healthy":true,"version":"9.9.9"}""");

        var ex = await Assert.ThrowsAsync<OpencodeInstallException>(() => OpencodeServer.StartAsync(Options(stub), cancellationToken));

        Assert.That(ex!.Message, Does.Contain("reports version 9.9.9").And.Contain("OpencodeServerOptions.OpencodeVersion is 1.18.33"));
        Assert.That(ex.Message, Does.Not.Contain(PasswordSentTo(stub)));
        AssertNothingLeft();
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task StartAsync_NeverHealthy_TimesOutNamingTheServerOption(CancellationToken cancellationToken)
    {
        await using var stub = HealthStub("""{"healthy":false}""");

        var ex = await Assert.ThrowsAsync<TimeoutException>(() => OpencodeServer.StartAsync(Options(stub) with { ReadyTimeout = TimeSpan.FromSeconds(2) }, cancellationToken));

        Assert.That(ex!.Message, Does.Contain("health check").And.Contain("OpencodeServerOptions.ReadyTimeout").And.Contain("fake opencode says hi"));
        Assert.That(ex.Message, Does.Not.Contain(PasswordSentTo(stub)));
        AssertNothingLeft();
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task StartAsync_NeverReady_TimesOutNamingTheServerOption(CancellationToken cancellationToken)
    {
        var fake = WriteScript("silent", "echo \"DB=$OPENCODE_DB\" > \"$FAKE_REPORT\"\nsleep 300");

        var ex = await Assert.ThrowsAsync<TimeoutException>(() => OpencodeServer.StartAsync(Options(null, fake) with { ReadyTimeout = TimeSpan.FromSeconds(1) }, cancellationToken));

        Assert.That(ex!.Message, Does.Contain("listening URL within 1 s").And.Contain("(OpencodeServerOptions.ReadyTimeout)"));
        AssertNothingLeft();
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task StartAsync_ExitsAtOnce_ThrowsLaunchExceptionAndCleansUp(CancellationToken cancellationToken)
    {
        var fake = WriteScript("crash", "echo \"DB=$OPENCODE_DB\" > \"$FAKE_REPORT\"\necho 'Error: broken config' >&2\nexit 3");

        var ex = await Assert.ThrowsAsync<OpencodeLaunchException>(() => OpencodeServer.StartAsync(Options(null, fake), cancellationToken));

        Assert.That(ex!.ExitCode, Is.EqualTo(3));
        Assert.That(ex.OutputTail, Does.Contain("Error: broken config"));
        AssertNothingLeft();
    }

    [Test]
    [CancelAfter(90_000)]
    public async Task StartAsync_ConfiguredStateDirectory_OneServerAtATimeAndKeptWithoutScratch(CancellationToken cancellationToken)
    {
        await using var stub = HealthStub("""{"healthy":true,"version":"1.18.33"}""");
        var stateDirectory = Path.Combine(_root, "state");
        var options = Options(stub) with { StateDirectory = stateDirectory };
        var server = await OpencodeServer.StartAsync(options, cancellationToken);

        var busy = await Assert.ThrowsAsync<InvalidOperationException>(() => OpencodeServer.StartAsync(options, cancellationToken));
        Assert.That(busy!.Message, Does.Contain(stateDirectory).And.Contain("StateDirectory"));
        Assert.That(File.Exists(Path.Combine(stateDirectory, "opencode", "run", ".opencode-password")), Is.True, "the refused start touched nothing of the running one");
        await server.DisposeAsync();

        Assert.That(File.GetUnixFileMode(stateDirectory), Is.EqualTo(PrivateDirectory));
        Assert.That(Directory.Exists(Path.Combine(stateDirectory, "opencode", "run")), Is.False, "password file and stubs are removed");
        Assert.That(File.Exists(Path.Combine(stateDirectory, "opencode", "opencode.json")), Is.True, "the state is kept");
        await using var again = await OpencodeServer.StartAsync(options, cancellationToken);
        Assert.That(again.Version, Is.EqualTo("1.18.33"), "the lock was released");
    }

    private static StubHttpServer HealthStub(string body) =>
        new((request, response, _) => request.Path == "/global/health" ? response.RespondAsync(200, body) : response.RespondAsync(404, "{}"));

    /// <summary>Options for a fake opencode; the default fake prints the stub's URL as its ready line, then sleeps with a child.</summary>
    private OpencodeServerOptions Options(StubHttpServer? stub, string? executable = null) => new()
    {
        WorkingDirectory = _workdir,
        OpencodeExecutable = executable ?? WriteScript("ready", """
            { echo "DB=$OPENCODE_DB"; echo "CONFIG=$OPENCODE_CONFIG"; echo "PWD=$(pwd)"; echo "HOME=$HOME"; } > "$FAKE_REPORT"
            echo 'fake opencode says hi'
            echo "opencode server listening on $FAKE_URL"
            sleep 300 &
            wait
            """),
        InstallIfMissing = false,
        ShutdownGracePeriod = TimeSpan.FromSeconds(2),
        Environment = new Dictionary<string, string?> { ["FAKE_URL"] = stub?.BaseAddress.ToString().TrimEnd('/') ?? "", ["FAKE_REPORT"] = _report },
    };

    private string WriteScript(string name, string body)
    {
        var path = Path.Combine(_root, "fakes", name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, "#!/bin/sh\n" + body + "\n");
        File.SetUnixFileMode(path, PrivateDirectory);
        return path;
    }

    private string Report() => File.ReadAllText(_report);

    /// <summary>The temporary state root, from the database path the fake reported.</summary>
    private string StateDirectory()
    {
        var db = Report().Split('\n').Single(l => l.StartsWith("DB=", StringComparison.Ordinal))[3..];
        return Path.GetDirectoryName(Path.GetDirectoryName(db))!;
    }

    private void AssertNothingLeft()
    {
        var state = StateDirectory();
        Assert.That(Directory.Exists(state), Is.False, $"{state} was removed");
        Assert.That(ProcessesMarkedWith(Path.Combine(state, "opencode")), Is.Empty);
    }

    private static string PasswordSentTo(StubHttpServer stub)
    {
        var header = stub.RequestsTo("GET", "/global/health").First().Header("Authorization")!;
        var decoded = Encoding.UTF8.GetString(Convert.FromBase64String(header["Basic ".Length..]));
        Assert.That(decoded, Does.StartWith("opencode:"));
        return decoded["opencode:".Length..];
    }

    private static List<int> GroupMembers(int groupId) => LiveProcesses().Where(p => p.Group == groupId).Select(p => p.Pid).ToList();

    private static List<int> ProcessesMarkedWith(string taskDirectory) =>
        LiveProcesses().Where(p => Environ(p.Pid).Contains("OPENCODE_SESSIONS_TASK_DIRECTORY=" + taskDirectory)).Select(p => p.Pid).ToList();

    private static string[] Environ(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/environ").Split('\0');
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }

    private static IEnumerable<(int Pid, int Group)> LiveProcesses()
    {
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid))
            {
                continue;
            }

            string stat;
            try
            {
                stat = File.ReadAllText(Path.Combine(dir, "stat"));
            }
            catch (IOException)
            {
                continue;
            }

            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            if (fields[0] is not ("Z" or "X"))
            {
                yield return (pid, int.Parse(fields[2], System.Globalization.CultureInfo.InvariantCulture));
            }
        }
    }
}
