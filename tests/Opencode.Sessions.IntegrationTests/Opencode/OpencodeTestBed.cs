using System.Net.Http.Headers;
using Opencode.Sessions.Hosting;
using Opencode.Sessions.Hosting.Local;
using Opencode.Sessions.Launching;

namespace Opencode.Sessions.IntegrationTests.Opencode;

/// <summary>
/// A private temp directory with local hosts under it (task root) and helpers to launch opencode in them. Every
/// opencode process gets an isolated HOME/XDG tree inside its task directory, so the user's own opencode
/// configuration and data are never touched. Disposing kills every process the hosts started and deletes the tree.
/// </summary>
internal sealed class OpencodeTestBed : IAsyncDisposable
{
    /// <summary>Variables that keep opencode offline and quiet in tests.</summary>
    public static IReadOnlyDictionary<string, string?> OfflineEnvironment { get; } = new Dictionary<string, string?>
    {
        ["OPENCODE_DISABLE_MODELS_FETCH"] = "1",
        ["OPENCODE_DISABLE_LSP_DOWNLOAD"] = "1",
        ["OPENCODE_DISABLE_SHARE"] = "1",
    };

    private readonly List<LocalHost> _hosts = [];

    public OpencodeTestBed()
    {
        Root = Path.Combine(Path.GetTempPath(), "ocs-it-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(Root);
    }

    public string Root { get; }

    public async Task<LocalHost> CreateHostAsync(string processId, CancellationToken cancellationToken)
    {
        var host = new LocalHost(processId, Path.Combine(Root, "tasks"));
        _hosts.Add(host);
        await host.SetupWorkdirAsync(cancellationToken);
        return host;
    }

    public static IReadOnlyDictionary<string, string?> EnvironmentFor(IHost host, IReadOnlyDictionary<string, string?>? extra = null)
    {
        var merged = new Dictionary<string, string?>(OfflineEnvironment);
        foreach (var (key, value) in extra ?? new Dictionary<string, string?>())
        {
            merged[key] = value;
        }

        return OpencodeEnvironment.Build(host.TaskDirectory, isolateHome: true, merged);
    }

    public static Task<OpencodeServerProcess> LaunchAsync(IHost host, string executable, CancellationToken cancellationToken, TimeSpan? readyTimeout = null, IReadOnlyDictionary<string, string?>? extra = null) =>
        new OpencodeLauncher(host).LaunchAsync(
            new OpencodeLaunchOptions
            {
                ExecutablePath = executable,
                Environment = EnvironmentFor(host, extra),
                ReadyTimeout = readyTimeout ?? TimeSpan.FromSeconds(60),
                GracePeriod = TimeSpan.FromSeconds(3),
            },
            cancellationToken);

    /// <summary>Writes an executable shell script that stands in for opencode.</summary>
    public string WriteFakeOpencode(string name, string body) => WriteScript(Path.Combine(Root, "fakes", name), body);

    /// <summary>Writes an executable <c>/bin/sh</c> script (0700), creating its directory.</summary>
    public static string WriteScript(string path, string body)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, "#!/bin/sh\n" + body + "\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }

    public static HttpClient CreateClient(OpencodeServerProcess server, bool withCredentials)
    {
        var client = new HttpClient { BaseAddress = server.HostBaseUri, Timeout = TimeSpan.FromSeconds(30) };
        if (withCredentials)
        {
            client.DefaultRequestHeaders.Authorization = AuthenticationHeaderValue.Parse(server.Credentials.ToHeaderValue());
        }

        return client;
    }

    /// <summary>Process ids whose process group is <paramref name="groupId"/> (from /proc).</summary>
    public static List<int> ProcessGroupMembers(int groupId)
    {
        var members = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid))
            {
                continue;
            }

            try
            {
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                // Fields after the parenthesised command: state ppid pgrp ...
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                if (fields[0] != "Z" && int.Parse(fields[2], System.Globalization.CultureInfo.InvariantCulture) == groupId)
                {
                    members.Add(pid);
                }
            }
            catch (IOException)
            {
                // The process went away while we looked.
            }
        }

        return members;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var host in _hosts)
        {
            await host.DisposeAsync();
        }

        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a late write by a dying process; the directory is under the temp dir.
        }
    }
}
