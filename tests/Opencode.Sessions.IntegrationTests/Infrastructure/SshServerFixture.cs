using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Opencode.Sessions.Hosting.Ssh;

namespace Opencode.Sessions.IntegrationTests.Infrastructure;

/// <summary>
/// A real OpenSSH server (Debian openssh-server) on 127.0.0.1 (or another address, see <see cref="SshServerOptions"/>) with its own configuration, host key, client key and
/// authorized_keys, all in a private temporary directory. It never reads or writes /etc/ssh or ~/.ssh: clients get
/// <see cref="CreateConfig"/>, which passes the key, the known_hosts file and <c>-F /dev/null</c> explicitly.
/// The server runs in the foreground (<c>sshd -D -e</c>) and is stopped by pid, with the per-connection processes
/// it forked.
/// </summary>
internal sealed class SshServerFixture : IAsyncDisposable
{
    public const string SshdPath = "/usr/sbin/sshd";

    /// <summary>Debian's sshd refuses to start without its (normally systemd-created) privilege separation directory.</summary>
    private const string PrivilegeSeparationDirectory = "/run/sshd";

    private readonly Process _sshd;
    private readonly StringBuilder _log = new();

    private SshServerFixture(string host, string directory, int port, Process sshd, string identityFile, string knownHostsFile, string hostKeyLine)
    {
        Host = host;
        Directory = directory;
        Port = port;
        _sshd = sshd;
        IdentityFile = identityFile;
        KnownHostsFile = knownHostsFile;
        HostKeyLine = hostKeyLine;
        _sshd.ErrorDataReceived += (_, e) =>
        {
            lock (_log)
            {
                if (e.Data is not null && _log.Length < 1_000_000)
                {
                    _log.AppendLine(e.Data);
                }
            }
        };
        _sshd.BeginErrorReadLine();
    }

    /// <summary>Gets the private temporary directory holding everything.</summary>
    public string Directory { get; }

    /// <summary>Gets the listen address (127.0.0.1 unless <see cref="SshServerOptions.ListenAddress"/> says otherwise).</summary>
    public string Host { get; }

    /// <summary>Gets the listen port.</summary>
    public int Port { get; }

    /// <summary>Gets the login user (the user running the tests).</summary>
    public string User => Environment.UserName;

    /// <summary>Gets the client's private key (authorized on the server). Its directory name holds a space and a '%'.</summary>
    public string IdentityFile { get; }

    /// <summary>Gets a known_hosts file holding the server's real host key as <c>[HOST]:PORT ssh-ed25519 …</c>.</summary>
    public string KnownHostsFile { get; }

    /// <summary>Gets the known_hosts line of the server's host key.</summary>
    public string HostKeyLine { get; }

    /// <summary>Gets the pid of the listening sshd.</summary>
    public int ProcessId => _sshd.Id;

    /// <summary>Gets what sshd logged so far (LogLevel VERBOSE).</summary>
    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    /// <summary>Starts a server on 127.0.0.1, or fails the test with the command that installs what is missing.</summary>
    public static Task<SshServerFixture> StartAsync(CancellationToken cancellationToken) => StartAsync(new SshServerOptions(), cancellationToken);

    /// <summary>Starts a server as <paramref name="options"/> say, or fails the test with the command that installs what is missing.</summary>
    public static async Task<SshServerFixture> StartAsync(SshServerOptions options, CancellationToken cancellationToken)
    {
        if (!File.Exists(SshdPath) || !File.Exists("/usr/bin/ssh-keygen") || !File.Exists("/usr/bin/ssh"))
        {
            Assert.Fail($"{SshdPath}, ssh and ssh-keygen are required for the SSH tests (Debian packages openssh-server, openssh-client). Run ./build.sh test, which installs them.");
        }

        if (!System.IO.Directory.Exists(PrivilegeSeparationDirectory))
        {
            if (Environment.UserName != "root")
            {
                Assert.Fail($"{PrivilegeSeparationDirectory} is missing and sshd cannot start without it; create it as root (mkdir -m 755 {PrivilegeSeparationDirectory}) or run ./build.sh test as root.");
            }

            System.IO.Directory.CreateDirectory(PrivilegeSeparationDirectory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        }

        var directory = System.IO.Directory.CreateTempSubdirectory("ocs-sshd-").FullName;
        File.SetUnixFileMode(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var clientDirectory = System.IO.Directory.CreateDirectory(Path.Combine(directory, "client dir %h")).FullName;
        var hostKey = Path.Combine(directory, "ssh_host_ed25519_key");
        var identity = Path.Combine(clientDirectory, "id_ed25519");
        await KeyGenAsync(hostKey, cancellationToken);
        await KeyGenAsync(identity, cancellationToken);
        var authorizedKeys = Path.Combine(directory, "authorized_keys");
        File.Copy(identity + ".pub", authorizedKeys);

        var port = FreePort();
        var config = Path.Combine(directory, "sshd_config");
        // One line: sshd uses only the first SetEnv directive.
        var setEnv = options.Environment.Count == 0 ? "" : "SetEnv " + string.Join(' ', options.Environment.Select(e => $"\"{e.Key}={e.Value}\"")) + "\n";
        await File.WriteAllTextAsync(config, $"""
            ListenAddress {options.ListenAddress}
            Port {port}
            HostKey {hostKey}
            PidFile {Path.Combine(directory, "sshd.pid")}
            AuthorizedKeysFile {authorizedKeys}
            PermitRootLogin prohibit-password
            PasswordAuthentication no
            KbdInteractiveAuthentication no
            UsePAM no
            StrictModes no
            LogLevel VERBOSE
            Subsystem sftp internal-sftp

            """ + setEnv, cancellationToken);

        var knownHosts = Path.Combine(clientDirectory, "known_hosts");
        var hostKeyLine = $"[{options.ListenAddress}]:{port} " + PublicKeyPart(await File.ReadAllTextAsync(hostKey + ".pub", cancellationToken));
        await File.WriteAllTextAsync(knownHosts, hostKeyLine + "\n", cancellationToken);

        // ip netns exec execs sshd after entering the namespace, so the pid is sshd's own.
        var command = options.NetworkNamespace is { } ns ? new[] { "/usr/sbin/ip", "netns", "exec", ns, SshdPath } : [SshdPath];
        var info = new ProcessStartInfo(command[0]) { RedirectStandardError = true, RedirectStandardOutput = false, UseShellExecute = false };
        foreach (var argument in command.Skip(1).Concat(["-D", "-e", "-f", config]))
        {
            info.ArgumentList.Add(argument);
        }

        var sshd = Process.Start(info)!;
        var fixture = new SshServerFixture(options.ListenAddress, directory, port, sshd, identity, knownHosts, hostKeyLine);
        try
        {
            await fixture.WaitForPortAsync(cancellationToken);
            return fixture;
        }
        catch
        {
            await fixture.DisposeAsync();
            throw;
        }
    }

    /// <summary>A client configuration for this server that never touches the user's ssh files.</summary>
    public SshConfig CreateConfig(SshHostKeyPolicy policy = SshHostKeyPolicy.Verify, string? remoteTaskRoot = null) =>
        new(Host)
        {
            Port = Port,
            User = User,
            IdentityFiles = [IdentityFile],
            KnownHostsFile = KnownHostsFile,
            HostKeyPolicy = policy,
            ConfigFile = "/dev/null",
            ConnectTimeout = TimeSpan.FromSeconds(30),
            KeepAliveInterval = TimeSpan.FromSeconds(5),
            RemoteTaskRoot = remoteTaskRoot,
        };

    /// <summary>Writes a known_hosts file in the fixture directory with the given lines (none = the key is unknown).</summary>
    public string WriteKnownHosts(string name, params string[] lines)
    {
        var path = Path.Combine(Directory, name);
        File.WriteAllText(path, string.Concat(lines.Select(l => l + "\n")));
        return path;
    }

    /// <summary>Generates another ed25519 key pair and returns the private key's path (for wrong-key tests).</summary>
    public async Task<string> GenerateKeyAsync(string name, CancellationToken cancellationToken)
    {
        var path = Path.Combine(Directory, name);
        await KeyGenAsync(path, cancellationToken);
        return path;
    }

    /// <summary>A known_hosts line for this server with a different (newly generated) host key.</summary>
    public async Task<string> ForeignHostKeyLineAsync(CancellationToken cancellationToken)
    {
        var path = await GenerateKeyAsync("foreign_host_key_" + Guid.NewGuid().ToString("N"), cancellationToken);
        return $"[{Host}]:{Port} " + PublicKeyPart(await File.ReadAllTextAsync(path + ".pub", cancellationToken));
    }

    /// <summary>The per-connection sshd processes (children of the listener).</summary>
    public IReadOnlyList<int> ConnectionProcessIds() => ProcessTable.Children(ProcessId);

    /// <summary>Live ssh control masters connected to this server (the one real connection of each SshHost).</summary>
    /// <remarks>
    /// The master runs under a parent-death watchdog wrapper: the master itself keeps the wrapper's pid (exec), and a
    /// forked watchdog subshell with the wrapper's command line (<c>/bin/sh -c …</c>) waits beside it. Only the ssh
    /// process is the master; <paramref name="includeWatchdogs"/> also lists the subshells (which must end with it).
    /// </remarks>
    public IReadOnlyList<int> ClientMasterProcessIds(bool includeWatchdogs = false) =>
        ProcessTable.WithCommandLine($"-p {Port} -l {User} -N ")
            .Where(pid => includeWatchdogs || !ProcessTable.CommandLine(pid).StartsWith("/bin/sh ", StringComparison.Ordinal))
            .ToList();

    /// <summary>Kills every per-connection sshd process (SIGKILL), which drops every client connection at once.</summary>
    public void KillConnections()
    {
        foreach (var pid in ConnectionProcessIds())
        {
            ProcessTable.Kill(pid);
        }
    }

    /// <summary>Stops the server and its per-connection processes by pid and deletes the directory.</summary>
    public async ValueTask DisposeAsync()
    {
        // The per-connection processes share the listener's stderr pipe: kill them too, or waiting for the
        // listener's output to end would never finish.
        var children = ProcessTable.Descendants(ProcessId);
        try
        {
            _sshd.Kill();
        }
        catch (InvalidOperationException)
        {
            // Already exited.
        }

        foreach (var pid in children)
        {
            ProcessTable.Kill(pid);
        }

        try
        {
            await _sshd.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (TimeoutException)
        {
            // Reported by the leak checks of the tests that care; never hang the run.
        }

        _sshd.Dispose();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // A straggler still writing; the OS cleans /tmp.
        }
    }

    private async Task WaitForPortAsync(CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (DateTime.UtcNow < deadline)
        {
            if (_sshd.HasExited)
            {
                Assert.Fail($"sshd exited with code {_sshd.ExitCode} at start:\n{Log}");
            }

            using var client = new TcpClient();
            try
            {
                await client.ConnectAsync(IPAddress.Parse(Host), Port, cancellationToken);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(25, cancellationToken);
            }
        }

        Assert.Fail($"sshd did not listen on {Host}:{Port} within 15 s:\n{Log}");
    }

    private static async Task KeyGenAsync(string path, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo("/usr/bin/ssh-keygen") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { "-q", "-t", "ed25519", "-N", "", "-C", "opencode-sessions-test", "-f", path })
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info)!;
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        if (process.ExitCode != 0)
        {
            Assert.Fail($"ssh-keygen failed for {path}: {await stderr}");
        }
    }

    private static string PublicKeyPart(string publicKeyFile) => string.Join(' ', publicKeyFile.Trim().Split(' ').Take(2));

    private static int FreePort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }
}
