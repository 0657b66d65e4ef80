using Moq;
using Opencode.Sessions.Hosting;
using Opencode.Sessions.Launching;

namespace Opencode.Sessions.Tests.Opencode;

public sealed class OpencodeInstallerTests
{
    private const string Version = OpencodeTaskConfig.DefaultOpencodeVersion;
    private Mock<IHost> _host = null!;
    private readonly List<HostCommand> _commands = [];
    private Func<HostCommand, HostCommandResult> _respond = null!;

    [SetUp]
    public void SetUp()
    {
        _commands.Clear();
        _host = new Mock<IHost>();
        _host.SetupGet(h => h.DisplayName).Returns("box");
        _host.SetupGet(h => h.TaskDirectory).Returns("/t");
        _host.Setup(h => h.RunCommandAsync(It.IsAny<HostCommand>(), It.IsAny<CancellationToken>()))
            .Returns<HostCommand, CancellationToken>((c, _) =>
            {
                _commands.Add(c);
                return Task.FromResult(_respond(c));
            });
    }

    private static bool IsLocate(HostCommand c) => c.Arguments.Count > 1 && c.Arguments[1] == OpencodeInstallScripts.Locate;

    private static bool IsInstall(HostCommand c) => c.Arguments.Count > 1 && c.Arguments[1] == OpencodeInstallScripts.Install;

    private static HostCommandResult Ok(string stdout = "") => new(0, stdout, "");

    private Task<string> EnsureAsync(OpencodeInstallRequest request, CancellationToken cancellationToken, List<string?>? progress = null) =>
        new OpencodeInstaller(_host.Object).EnsureInstalledAsync(request, progress is null ? null : (_, m) => progress.Add(m), cancellationToken);

    [Test]
    [CancelAfter(5000)]
    public async Task EnsureInstalledAsync_ConfiguredExecutableExists_ReturnsItWithoutSearching(CancellationToken cancellationToken)
    {
        _respond = _ => Ok();

        var path = await EnsureAsync(new OpencodeInstallRequest { Executable = "/opt/my oc/opencode" }, cancellationToken);

        Assert.That(path, Is.EqualTo("/opt/my oc/opencode"));
        Assert.That(_commands, Has.Count.EqualTo(1));
        Assert.That(_commands[0].Arguments[^1], Is.EqualTo("/opt/my oc/opencode"));
        Assert.That(_commands[0].Arguments[1], Does.Not.Contain("/opt/my oc"), "the path is a positional parameter");
    }

    [Test]
    [CancelAfter(5000)]
    public async Task EnsureInstalledAsync_ConfiguredExecutableMissing_ThrowsNamingPathAndSetting(CancellationToken cancellationToken)
    {
        _respond = _ => new HostCommandResult(1, "", "");

        var ex = await Assert.ThrowsAsync<OpencodeInstallException>(() => EnsureAsync(new OpencodeInstallRequest { Executable = "/nope/opencode" }, cancellationToken));

        Assert.That(ex!.Message, Does.Contain("/nope/opencode").And.Contain("OpencodeExecutable").And.Contain("box"));
        Assert.That(ex.Version, Is.EqualTo(Version));
    }

    [Test]
    [CancelAfter(5000)]
    public async Task EnsureInstalledAsync_FoundOnPath_ReturnsPathAndPassesValuesPositionally(CancellationToken cancellationToken)
    {
        _respond = c => IsLocate(c) ? Ok("root=/home/u/.cache/opencode-sessions\npath=/usr/local/bin/opencode\n") : throw new AssertionException("unexpected command");
        var progress = new List<string?>();

        var path = await EnsureAsync(new OpencodeInstallRequest(), cancellationToken, progress);

        Assert.That(path, Is.EqualTo("/usr/local/bin/opencode"));
        Assert.That(_commands[0].Arguments.Skip(3), Is.EqualTo(new[] { "", Version, "1" }));
        Assert.That(_commands[0].WorkingDirectory, Is.EqualTo("/"));
        Assert.That(progress, Is.EqualTo(new[] { "Checking opencode installation…" }));
    }

    [Test]
    [CancelAfter(5000)]
    public async Task EnsureInstalledAsync_FoundInCache_ReturnsCachedExecutable(CancellationToken cancellationToken)
    {
        const string exe = "/c/opencode-ai/1.18.33/node_modules/opencode-linux-x64/bin/opencode";
        _respond = _ => Ok($"root=/c\ncache={exe}\n");

        var path = await EnsureAsync(new OpencodeInstallRequest { CacheRoot = "/c", SearchPath = false }, cancellationToken);

        Assert.That(path, Is.EqualTo(exe));
        Assert.That(_commands[0].Arguments.Skip(3), Is.EqualTo(new[] { "/c", Version, "0" }));
    }

    [Test]
    [CancelAfter(5000)]
    public async Task EnsureInstalledAsync_MissingAndInstallDisabled_ThrowsWithInstallInstructions(CancellationToken cancellationToken)
    {
        _respond = _ => Ok("root=/c\n");

        var ex = await Assert.ThrowsAsync<OpencodeInstallException>(() => EnsureAsync(new OpencodeInstallRequest { InstallIfMissing = false }, cancellationToken));

        Assert.That(ex!.Message, Does.Contain($"npm install -g opencode-ai@{Version}"));
        Assert.That(ex.Message, Does.Contain("OpencodeExecutable").And.Contain("InstallIfMissing").And.Contain($"/c/opencode-ai/{Version}"));
        Assert.That(_commands, Has.Count.EqualTo(1), "nothing is installed");
    }

    [Test]
    [CancelAfter(5000)]
    public async Task EnsureInstalledAsync_Missing_InstallsIntoResolvedCacheRootAndReportsProgress(CancellationToken cancellationToken)
    {
        const string exe = "/c/opencode-ai/1.2.3/node_modules/.bin/opencode";
        _respond = c => IsLocate(c) ? Ok("root=/c\n") : IsInstall(c) ? Ok($"cache={exe}\n") : throw new AssertionException("unexpected");
        var progress = new List<string?>();

        var path = await EnsureAsync(new OpencodeInstallRequest { Version = "1.2.3" }, cancellationToken, progress);

        Assert.That(path, Is.EqualTo(exe));
        var install = _commands[1];
        Assert.That(install.Arguments[3], Is.EqualTo("/c"));
        Assert.That(install.Arguments[4], Is.EqualTo("1.2.3"));
        Assert.That(install.Arguments[5], Does.Match("^[0-9a-f]{12}$"));
        Assert.That(progress, Does.Contain("Installing opencode 1.2.3 with npm…"));
    }

    [Test]
    [CancelAfter(5000)]
    public async Task EnsureInstalledAsync_NpmMissing_ThrowsNamingNodeJsNpmAndApt(CancellationToken cancellationToken)
    {
        _respond = c => IsLocate(c) ? Ok("root=/c\n") : new HostCommandResult(OpencodeInstallScripts.NpmMissingExitCode, "", "npm was not found on PATH");

        var ex = await Assert.ThrowsAsync<OpencodeInstallException>(() => EnsureAsync(new OpencodeInstallRequest(), cancellationToken));

        Assert.That(ex!.Message, Does.Contain("Node.js").And.Contain("npm").And.Contain("apt-get install -y nodejs npm").And.Contain("brew install node"));
        Assert.That(ex.ExitCode, Is.EqualTo(OpencodeInstallScripts.NpmMissingExitCode));
    }

    [Test]
    [CancelAfter(5000)]
    public async Task EnsureInstalledAsync_NpmFails_ThrowsWithCleanStderrTail(CancellationToken cancellationToken)
    {
        _respond = c => IsLocate(c) ? Ok("root=/c\n") : new HostCommandResult(OpencodeInstallScripts.NpmFailedExitCode, "", "\u001b[31mnpm error\u001b[0m code E404\nnpm install opencode-ai@9.9.9 failed");

        var ex = await Assert.ThrowsAsync<OpencodeInstallException>(() => EnsureAsync(new OpencodeInstallRequest { Version = "9.9.9" }, cancellationToken));

        Assert.That(ex!.Message, Does.Contain("npm error code E404").And.Contain("npm install opencode-ai@9.9.9 failed").And.Contain("registry"));
        Assert.That(ex.Message.Contains('\u001b', StringComparison.Ordinal), Is.False);
    }

    [Test]
    [CancelAfter(5000)]
    public async Task EnsureInstalledAsync_LocateFails_ThrowsWithStderr(CancellationToken cancellationToken)
    {
        _respond = _ => new HostCommandResult(OpencodeInstallScripts.CacheRootExitCode, "", "the opencode cache root 'rel' is not an absolute path");

        var ex = await Assert.ThrowsAsync<OpencodeInstallException>(() => EnsureAsync(new OpencodeInstallRequest(), cancellationToken));

        Assert.That(ex!.Message, Does.Contain("not an absolute path").And.Contain("OpencodeInstallDir"));
    }

    [Test]
    [CancelAfter(5000)]
    public async Task ProbeVersionAsync_PrintsVersion_ReturnsIt(CancellationToken cancellationToken)
    {
        _respond = _ => Ok("1.18.33\n");
        var env = new Dictionary<string, string?> { ["HOME"] = "/t/home" };

        var version = await new OpencodeInstaller(_host.Object).ProbeVersionAsync("/x/opencode", env, cancellationToken);

        Assert.That(version, Is.EqualTo("1.18.33"));
        Assert.That(_commands[0].Arguments[1], Does.StartWith(OpencodeEnvironment.ShellPrelude).And.EndWith("exec \"$1\" --version"));
        Assert.That(_commands[0].Arguments.Skip(3), Is.EqualTo(new[] { "/t/run", "/x/opencode" }));
        Assert.That(_commands[0].Environment, Is.SameAs(env));
    }

    [Test]
    [CancelAfter(5000)]
    public async Task ProbeVersionAsync_CommandFailsOrThrows_ReturnsNull(CancellationToken cancellationToken)
    {
        var installer = new OpencodeInstaller(_host.Object);
        _respond = _ => new HostCommandResult(127, "", "not found");
        Assert.That(await installer.ProbeVersionAsync("/x/opencode", null, cancellationToken), Is.Null);

        _respond = _ => throw new IOException("connection lost");
        Assert.That(await installer.ProbeVersionAsync("/x/opencode", null, cancellationToken), Is.Null);
    }

    [Test]
    [CancelAfter(5000)]
    public async Task ProbeVersionAsync_Cancelled_Throws(CancellationToken cancellationToken)
    {
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();
        _respond = _ => throw new OperationCanceledException(cts.Token);

        await Assert.ThatAsync(() => new OpencodeInstaller(_host.Object).ProbeVersionAsync("/x/opencode", null, cts.Token), Throws.InstanceOf<OperationCanceledException>());
    }

    [TestCase("1.18.33\n", "1.18.33")]
    [TestCase("v2.0.0-beta.1", "2.0.0-beta.1")]
    [TestCase("some banner\nopencode 1.2.3\n\n", "1.2.3")]
    [TestCase("", null)]
    [TestCase("error: boom", null)]
    public void ParseVersion_Output_ReturnsVersionOrNull(string output, string? expected)
    {
        Assert.That(OpencodeInstaller.ParseVersion(output), Is.EqualTo(expected));
    }

    [Test]
    public void FromConfig_Config_CopiesInstallSettings()
    {
        var config = new OpencodeTaskConfig { OpencodeVersion = "1.2.3", InstallIfMissing = false, OpencodeExecutable = "/e", OpencodeInstallDir = "/d" };

        var request = config.ToInstallRequest();

        Assert.That(request, Is.EqualTo(new OpencodeInstallRequest { Version = "1.2.3", InstallIfMissing = false, Executable = "/e", CacheRoot = "/d", SearchPath = true }));
    }
}
