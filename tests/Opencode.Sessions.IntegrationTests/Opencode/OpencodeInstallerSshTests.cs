using System.Runtime.InteropServices;
using Opencode.Sessions.Hosting;
using Opencode.Sessions.Hosting.Ssh;
using Opencode.Sessions.IntegrationTests.Infrastructure;
using Opencode.Sessions.Launching;
using Opencode.Sessions.Testing;

namespace Opencode.Sessions.IntegrationTests.Opencode;

/// <summary>
/// The installer on a remote host, over a real sshd. The "remote" is this machine, so a test sets the remote side up
/// through sshd's own configuration (<c>SetEnv</c>: the environment the remote shell sees, as a host's profile would
/// set it) and looks at the files directly.
/// </summary>
[Parallelizable(ParallelScope.All)]
public sealed class OpencodeInstallerSshTests
{
    private const string Version = OpencodeTaskConfig.DefaultOpencodeVersion;

    /// <summary>Programs a host without Node.js does not have.</summary>
    private static readonly string[] NodePrograms = ["node", "nodejs", "npm", "npx", "corepack", "opencode"];

    /// <summary>Settings npm needs to reach the registry from this machine's network (TLS interception, proxies).</summary>
    private static readonly string[] NetworkVariables = ["NODE_EXTRA_CA_CERTS", "HTTPS_PROXY", "HTTP_PROXY", "NO_PROXY", "https_proxy", "http_proxy", "no_proxy"];

    private static string PlatformPackage => "opencode-linux-" + (RuntimeInformation.OSArchitecture == Architecture.Arm64 ? "arm64" : "x64");

    [Test]
    [CancelAfter(120_000)]
    public async Task EnsureInstalledAsync_CacheDirSetInTheRemoteEnvironment_FindsTheCachedBinaryThere(CancellationToken cancellationToken)
    {
        // Arrange: OPENCODE_SESSIONS_CACHE_DIR exists only in the remote shell's environment, never in this process.
        using var root = new TempDirectory("ocs-install-ssh-");
        var cache = root.Sub("remote-cache");
        var cached = LinkCachedOpencode(cache);
        await using var server = await SshServerFixture.StartAsync(
            new SshServerOptions { Environment = new Dictionary<string, string> { ["OPENCODE_SESSIONS_CACHE_DIR"] = cache, ["PATH"] = NoNodePath(root) } },
            cancellationToken);
        await using var host = await ConnectAsync(server, root.Sub("tasks"), cancellationToken);
        var progress = new List<string?>();

        // Act
        var path = await new OpencodeInstaller(host).EnsureInstalledAsync(
            (new OpencodeTaskConfig { InstallIfMissing = false }).ToInstallRequest(), (_, m) => progress.Add(m), cancellationToken);

        // Assert
        Assert.That(Environment.GetEnvironmentVariable("OPENCODE_SESSIONS_CACHE_DIR"), Is.Not.EqualTo(cache), "the value came from the remote side");
        var remotePath = await host.RunCommandAsync(HostCommand.Shell("command -v npm || echo none"), cancellationToken);
        Assert.That(remotePath.StandardOutput, Is.EqualTo("none\n"), "the remote PATH has no npm (so nothing could have been installed)");
        Assert.That(path, Is.EqualTo(cached));
        Assert.That(progress, Has.None.Contains("Installing"));
        var environment = OpencodeEnvironment.Build(host.TaskDirectory, isolateHome: true, null);
        Assert.That(await new OpencodeInstaller(host).ProbeVersionAsync(path, environment, cancellationToken), Is.EqualTo(Version), "the cached binary runs on the remote");
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task EnsureInstalledAsync_OpencodeInstallDirConfigured_WinsOverTheRemoteEnvironment(CancellationToken cancellationToken)
    {
        // Arrange
        using var root = new TempDirectory("ocs-install-ssh-");
        var configured = root.Sub("configured-cache");
        var cached = LinkCachedOpencode(configured);
        await using var server = await SshServerFixture.StartAsync(
            new SshServerOptions { Environment = new Dictionary<string, string> { ["OPENCODE_SESSIONS_CACHE_DIR"] = root.Sub("empty-cache"), ["PATH"] = NoNodePath(root) } },
            cancellationToken);
        await using var host = await ConnectAsync(server, root.Sub("tasks"), cancellationToken);
        var config = new OpencodeTaskConfig { OpencodeInstallDir = configured, InstallIfMissing = false };

        // Act
        var path = await new OpencodeInstaller(host).EnsureInstalledAsync(config.ToInstallRequest(), null, cancellationToken);

        // Assert
        Assert.That(path, Is.EqualTo(cached));
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task ExecuteAsync_NoNpmOnTheRemote_ThrowsInstallExceptionNamingNodeJsAndNpmAndTearsDown(CancellationToken cancellationToken)
    {
        // Arrange: a host whose PATH has every usual program except Node.js, npm and opencode.
        using var root = new TempDirectory("ocs-install-ssh-");
        var tasks = root.Sub("tasks");
        var cache = Path.Combine(root.Path, "cache");
        await using var server = await SshServerFixture.StartAsync(
            new SshServerOptions { Environment = new Dictionary<string, string> { ["PATH"] = NoNodePath(root) } },
            cancellationToken);
        var context = new RecordingProcessContext("no-npm");
        var config = new OpencodeTaskConfig { Ssh = server.CreateConfig(remoteTaskRoot: tasks), OpencodeInstallDir = cache, SupportsResume = false };

        // Act
        var ex = await Assert.ThrowsAsync<OpencodeInstallException>(() => OpencodeTaskFactory.Create("no-npm", "no npm", config).ExecuteAsync(context, cancellationToken));

        // Assert
        Assert.That(ex!.ExitCode, Is.EqualTo(OpencodeInstallScripts.NpmMissingExitCode));
        Assert.That(ex.Version, Is.EqualTo(Version));
        Assert.That(ex.Message, Does.Contain($"ssh {server.User}@{server.Host}:{server.Port}").And.Contain("npm was not found on the host's PATH")
            .And.Contain("Install Node.js with npm").And.Contain($"npm install -g opencode-ai@{Version}"));
        Assert.That(context.Messages, Does.Contain("Checking opencode installation…").And.Contain($"Installing opencode {Version} with npm…"));
        Assert.That(Directory.Exists(cache), Is.False, "nothing is created on the host before npm is known to exist");
        Assert.That(Directory.Exists(Path.Combine(tasks, "no-npm")), Is.False, "teardown removed the remote task directory");
        Assert.That(await ProcessTable.WaitUntilAsync(() => server.ClientMasterProcessIds(includeWatchdogs: true).Count == 0, ProcessTable.SettleTimeout, cancellationToken), Is.True,
            "the control master exited with the host");
    }

    [Test]
    [CancelAfter(300_000)]
    public async Task EnsureInstalledAsync_RealNpmInstallOnTheRemote_InstallsIntoTheRemoteCacheDirAndIsFoundAfterwards(CancellationToken cancellationToken)
    {
        // Arrange: this really runs npm on the remote against the registry (about 10 s). sshd sessions do not inherit
        // this process's environment, so the remote gets this network's extra CA bundle the way a host's profile would.
        using var root = new TempDirectory("ocs-install-ssh-");
        var cache = Path.Combine(root.Path, "remote-cache");
        var environment = new Dictionary<string, string> { ["OPENCODE_SESSIONS_CACHE_DIR"] = cache };
        foreach (var name in NetworkVariables)
        {
            if (Environment.GetEnvironmentVariable(name) is { Length: > 0 } value)
            {
                environment[name] = value;
            }
        }

        await using var server = await SshServerFixture.StartAsync(new SshServerOptions { Environment = environment }, cancellationToken);
        await using var host = await ConnectAsync(server, root.Sub("tasks"), cancellationToken);
        var request = (new OpencodeTaskConfig()).ToInstallRequest() with { SearchPath = false };
        var progress = new List<string?>();

        // Act
        var path = await new OpencodeInstaller(host).EnsureInstalledAsync(request, (_, m) => progress.Add(m), cancellationToken);

        // Assert
        Assert.That(path, Does.StartWith($"{cache}/opencode-ai/{Version}/node_modules/"));
        Assert.That(progress, Does.Contain($"Installing opencode {Version} with npm…").And.Contain($"Installed opencode {Version}"));
        var opencodeEnvironment = OpencodeEnvironment.Build(host.TaskDirectory, isolateHome: true, null);
        Assert.That(await new OpencodeInstaller(host).ProbeVersionAsync(path, opencodeEnvironment, cancellationToken), Is.EqualTo(Version), "the pinned version");
        Assert.That(Directory.EnumerateFileSystemEntries(Path.Combine(cache, "opencode-ai")).Select(Path.GetFileName), Is.EquivalentTo(new[] { Version, ".lock" }),
            "no temporary prefix is left behind");

        var again = new List<string?>();
        Assert.That(await new OpencodeInstaller(host).EnsureInstalledAsync(request with { InstallIfMissing = false }, (_, m) => again.Add(m), cancellationToken), Is.EqualTo(path));
        Assert.That(again, Has.None.Contains("Installing"), "the second lookup finds the remote cache");
    }

    private static async Task<SshHost> ConnectAsync(SshServerFixture server, string taskRoot, CancellationToken cancellationToken)
    {
        var host = new SshHost(server.CreateConfig(remoteTaskRoot: taskRoot), "install");
        await host.ConnectAsync(cancellationToken);
        await host.SetupWorkdirAsync(cancellationToken);
        return host;
    }

    /// <summary>Puts the tests' opencode into <c>&lt;cacheRoot&gt;/opencode-ai/&lt;version&gt;</c> as npm lays it out (a symlink).</summary>
    private static string LinkCachedOpencode(string cacheRoot)
    {
        var path = Path.Combine(cacheRoot, "opencode-ai", Version, "node_modules", PlatformPackage, "bin", "opencode");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.CreateSymbolicLink(path, TestOpencode.ExecutablePath);
        return path;
    }

    /// <summary>A directory with every program of /usr/bin except Node.js, npm and opencode: the PATH of a host without them.</summary>
    private static string NoNodePath(TempDirectory root)
    {
        var bin = root.Sub("no-node-bin");
        foreach (var program in Directory.EnumerateFileSystemEntries("/usr/bin"))
        {
            var name = Path.GetFileName(program);
            if (!NodePrograms.Contains(name) && !File.Exists(Path.Combine(bin, name)))
            {
                File.CreateSymbolicLink(Path.Combine(bin, name), program);
            }
        }

        return bin;
    }
}
