using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Npgsql;
using Opencode.Sessions.Hosting.Local;

namespace Opencode.Sessions.IntegrationTests.Infrastructure;

/// <summary>
/// A real PostgreSQL server (Debian's postgresql package, /usr/lib/postgresql/&lt;version&gt;/bin) in a private
/// temporary directory: <c>initdb</c> with a generated superuser password (SCRAM over TCP), listening only on
/// 127.0.0.1 at a free port, its unix socket in the temporary directory, durability off (fsync, full-page writes) for
/// speed. It never touches the system's clusters or services.
/// </summary>
/// <remarks>
/// PostgreSQL refuses to run as root. When the tests run as root, the fixture runs initdb and postgres as the system
/// user <see cref="ServiceUser"/> (created on first use with <c>useradd --system --no-create-home --user-group
/// --shell /usr/sbin/nologin</c>; it owns nothing outside the fixture's temporary directory), through
/// <c>setpriv</c>, which execs in place. postgres is started through <c>setsid</c> in the foreground, so the process
/// kept here <i>is</i> the postmaster and leads a process group with all its backends: it is stopped by pid with
/// SIGINT (fast shutdown), then SIGKILL to the group after a timeout, and the directory is deleted.
/// </remarks>
internal sealed class PostgreSqlServerFixture : IAsyncDisposable
{
    /// <summary>The system user the server runs as when the tests run as root.</summary>
    public const string ServiceUser = "ocs-pgtest";

    private const string SuperUser = "postgres";
    private const int SigInt = 2;
    private const string Remedy = "Run ./build.sh test, which installs the Debian package postgresql (the server is never started as a service).";

    private readonly Process _postgres;
    private readonly StringBuilder _log = new();
    private readonly string _password;

    private PostgreSqlServerFixture(string directory, int port, string password, Process postgres)
    {
        Directory = directory;
        Port = port;
        _password = password;
        _postgres = postgres;
        _postgres.ErrorDataReceived += (_, e) => Append(e.Data);
        _postgres.OutputDataReceived += (_, e) => Append(e.Data);
        _postgres.BeginErrorReadLine();
        _postgres.BeginOutputReadLine();
    }

    /// <summary>Gets the private temporary directory (data directory, unix socket).</summary>
    public string Directory { get; }

    /// <summary>Gets the TCP port on 127.0.0.1.</summary>
    public int Port { get; }

    /// <summary>Gets the generated superuser password (the tests check that it never leaks into messages or logs).</summary>
    public string Password => _password;

    /// <summary>Gets the pid of the postmaster (also its process group id).</summary>
    public int ProcessId => _postgres.Id;

    /// <summary>Gets what the server logged so far.</summary>
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

    /// <summary>Starts a server, or fails the test with the command that installs what is missing.</summary>
    public static async Task<PostgreSqlServerFixture> StartAsync(CancellationToken cancellationToken)
    {
        var bin = FindBinDirectory();
        var asRoot = Environment.UserName == "root";
        string[] runAs = [];
        if (asRoot)
        {
            var (uid, gid) = await EnsureServiceUserAsync(cancellationToken);
            runAs = ["/usr/bin/setpriv", $"--reuid={uid}", $"--regid={gid}", "--clear-groups", "--"];
        }

        var directory = System.IO.Directory.CreateTempSubdirectory("ocs-pg-").FullName;
        PostgreSqlServerFixture? fixture = null;
        try
        {
            File.SetUnixFileMode(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            var password = Convert.ToHexString(RandomNumberGenerator.GetBytes(24)).ToLowerInvariant();
            var passwordFile = Path.Combine(directory, "pwfile");
            await File.WriteAllTextAsync(passwordFile, password + "\n", cancellationToken);
            if (asRoot)
            {
                await RunAsync("/usr/bin/chown", ["-R", ServiceUser + ":" + ServiceUser, directory], cancellationToken);
            }

            var data = Path.Combine(directory, "data");
            var initdb = AsServiceUser(runAs, Path.Combine(bin, "initdb"),
                "-D", data, "-U", SuperUser, "--pwfile", passwordFile, "--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8", "--locale=C", "--no-sync");
            await RunAsync(initdb.FileName, initdb.Arguments, cancellationToken);
            File.Delete(passwordFile);

            var port = FreePort();
            var postgres = AsServiceUser(runAs, Path.Combine(bin, "postgres"),
                "-D", data, "-h", "127.0.0.1", "-p", port.ToString(CultureInfo.InvariantCulture), "-k", directory,
                "-c", "fsync=off", "-c", "full_page_writes=off", "-c", "synchronous_commit=off", "-c", "max_connections=80",
                "-c", "shared_buffers=32MB", "-c", "logging_collector=off");
            var info = new ProcessStartInfo("/usr/bin/setsid") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
            info.Environment["LC_ALL"] = "C";
            info.ArgumentList.Add(postgres.FileName);
            foreach (var argument in postgres.Arguments)
            {
                info.ArgumentList.Add(argument);
            }

            fixture = new PostgreSqlServerFixture(directory, port, password, Process.Start(info)!);
            await fixture.WaitUntilReadyAsync(cancellationToken);
            return fixture;
        }
        catch
        {
            if (fixture is not null)
            {
                await fixture.DisposeAsync();
            }
            else
            {
                System.IO.Directory.Delete(directory, recursive: true);
            }

            throw;
        }
    }

    /// <summary>A connection string for a database of this server (holds the generated password).</summary>
    public string ConnectionString(string database) => new NpgsqlConnectionStringBuilder
    {
        Host = "127.0.0.1",
        Port = Port,
        Username = SuperUser,
        Password = _password,
        Database = database,
        Timeout = 10,
        MaxPoolSize = 40,
    }.ConnectionString;

    /// <summary>Creates a fresh, empty database and returns its name.</summary>
    public async Task<string> CreateDatabaseAsync(CancellationToken cancellationToken)
    {
        var name = "ocs_" + Guid.NewGuid().ToString("N");
        await AdminAsync($"CREATE DATABASE \"{name}\"", cancellationToken);
        return name;
    }

    /// <summary>Drops a database, disconnecting its sessions.</summary>
    public Task DropDatabaseAsync(string name, CancellationToken cancellationToken) =>
        AdminAsync($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)", cancellationToken);

    /// <summary>Stops the server by pid (SIGINT, then SIGKILL to its group after 15 s) and deletes the directory.</summary>
    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        if (!_postgres.HasExited)
        {
            ProcessGroup.Signal(_postgres.Id, SigInt);
            try
            {
                await _postgres.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(15));
            }
            catch (TimeoutException)
            {
                ProcessGroup.Signal(_postgres.Id, ProcessGroup.SigKill);
                await _postgres.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
            }
        }

        // Backends leave on the postmaster's shutdown; a SIGKILLed postmaster's group was killed with it.
        await ProcessTable.WaitUntilAsync(() => !ProcessGroup.Exists(_postgres.Id), ProcessTable.SettleTimeout, CancellationToken.None);
        _postgres.Dispose();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // A straggler still writing; the OS cleans the temp directory.
        }
    }

    private static string FindBinDirectory()
    {
        const string root = "/usr/lib/postgresql";
        var bin = System.IO.Directory.Exists(root)
            ? System.IO.Directory.GetDirectories(root)
                .Select(d => (Directory: d, Version: double.TryParse(Path.GetFileName(d), NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : -1))
                .Where(d => d.Version > 0 && File.Exists(Path.Combine(d.Directory, "bin", "initdb")) && File.Exists(Path.Combine(d.Directory, "bin", "postgres")))
                .OrderByDescending(d => d.Version)
                .Select(d => Path.Combine(d.Directory, "bin"))
                .FirstOrDefault()
            : null;
        if (bin is null || !File.Exists("/usr/bin/setsid") || !File.Exists("/usr/bin/setpriv"))
        {
            Assert.Fail($"The PostgreSQL tests need a PostgreSQL server ({root}/<version>/bin/initdb and postgres) and util-linux (setsid, setpriv). {Remedy}");
        }

        return bin!;
    }

    /// <summary>The command line that runs <paramref name="executable"/> as the service user (or as is, when not root).</summary>
    private static (string FileName, List<string> Arguments) AsServiceUser(string[] runAs, string executable, params string[] arguments) =>
        runAs.Length == 0 ? (executable, [.. arguments]) : (runAs[0], [.. runAs[1..], executable, .. arguments]);

    private static async Task<(string Uid, string Gid)> EnsureServiceUserAsync(CancellationToken cancellationToken)
    {
        if ((await TryRunAsync("/usr/bin/id", ["-u", ServiceUser], cancellationToken)).ExitCode != 0)
        {
            var added = await TryRunAsync("/usr/sbin/useradd", ["--system", "--no-create-home", "--user-group", "--shell", "/usr/sbin/nologin", ServiceUser], cancellationToken);
            if (added.ExitCode != 0 && (await TryRunAsync("/usr/bin/id", ["-u", ServiceUser], cancellationToken)).ExitCode != 0)
            {
                Assert.Fail($"Could not create the system user {ServiceUser} that runs the test PostgreSQL server (PostgreSQL refuses root): {added.Output}");
            }
        }

        var uid = (await RunAsync("/usr/bin/id", ["-u", ServiceUser], cancellationToken)).Trim();
        var gid = (await RunAsync("/usr/bin/id", ["-g", ServiceUser], cancellationToken)).Trim();
        return (uid, gid);
    }

    private static async Task<string> RunAsync(string fileName, IEnumerable<string> arguments, CancellationToken cancellationToken)
    {
        var argumentList = arguments.ToList();
        var (exitCode, output) = await TryRunAsync(fileName, argumentList, cancellationToken);
        if (exitCode != 0)
        {
            Assert.Fail($"{fileName} {string.Join(' ', argumentList)} failed with exit code {exitCode}:\n{output}\n{Remedy}");
        }

        return output;
    }

    private static Task<(int ExitCode, string Output)> TryRunAsync(string fileName, IEnumerable<string> arguments, CancellationToken cancellationToken) =>
        ProcessRunner.RunAsync(fileName, arguments, new Dictionary<string, string> { ["LC_ALL"] = "C" }, cancellationToken);

    private static int FreePort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    private async Task WaitUntilReadyAsync(CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        NpgsqlException? last = null;
        while (DateTime.UtcNow < deadline)
        {
            if (_postgres.HasExited)
            {
                Assert.Fail($"postgres exited with code {_postgres.ExitCode} at start:\n{Log}");
            }

            try
            {
                await using var connection = new NpgsqlConnection(ConnectionString("postgres") + ";Pooling=false");
                await connection.OpenAsync(cancellationToken);
                return;
            }
            catch (NpgsqlException ex)
            {
                last = ex;
                await Task.Delay(100, cancellationToken);
            }
        }

        Assert.Fail($"PostgreSQL did not accept connections on 127.0.0.1:{Port} within 30 s ({last?.Message}):\n{Log}");
    }

    private async Task AdminAsync(string sql, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(ConnectionString("postgres") + ";Pooling=false");
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private void Append(string? line)
    {
        lock (_log)
        {
            if (line is not null && _log.Length < 1_000_000)
            {
                _log.AppendLine(line);
            }
        }
    }
}
