using Opencode.Sessions.Hosting.Local;
using Opencode.Sessions.IntegrationTests.Infrastructure;
using Opencode.Sessions.IntegrationTests.Opencode;
using Opencode.Sessions.Opencode;
using Opencode.Sessions.Launching;
using Opencode.Sessions.Testing;

namespace Opencode.Sessions.IntegrationTests.Conversations;

/// <summary>
/// A real opencode (launched with the library's launcher, isolated HOME/XDG, password) talking to a scripted model.
/// Each test takes its own directory, so scripts (per directory) and sessions never mix.
/// </summary>
internal sealed class ScriptedOpencode : IAsyncDisposable
{
    private OpencodeTestBed? _bed;
    private int _directories;

    private ScriptedOpencode()
    {
    }

    public ScriptedModelServer Model { get; private set; } = null!;

    public OpencodeServerProcess Server { get; private set; } = null!;

    public LocalHost Host { get; private set; } = null!;

    public static async Task<ScriptedOpencode> StartAsync(CancellationToken cancellationToken)
    {
        var scripted = new ScriptedOpencode();
        try
        {
            scripted.Model = await ScriptedModelServer.StartAsync(cancellationToken);
            scripted._bed = new OpencodeTestBed();
            scripted.Host = await scripted._bed.CreateHostAsync("conversations", cancellationToken);
            scripted.Server = await OpencodeTestBed.LaunchAsync(
                scripted.Host,
                TestOpencode.ExecutablePath,
                cancellationToken,
                extra: new Dictionary<string, string?> { ["OPENCODE_CONFIG_CONTENT"] = scripted.Model.CreateOpencodeConfig().ToJsonString() });
            return scripted;
        }
        catch
        {
            await scripted.DisposeAsync();
            throw;
        }
    }

    /// <summary>Creates a fresh directory under the workdir.</summary>
    public string NewDirectory(string name)
    {
        var path = Path.Combine(Host.WorkDirectory, $"{Interlocked.Increment(ref _directories):00}-{name}");
        Directory.CreateDirectory(path);
        return path;
    }

    /// <summary>A client scoped to <paramref name="directory"/> with the server's credentials.</summary>
    public OpencodeClient Client(string directory, TimeSpan? timeout = null) => new(new OpencodeClientOptions
    {
        BaseAddress = Server.HostBaseUri,
        Credentials = Server.Credentials,
        Directory = directory,
        Timeout = timeout ?? TimeSpan.FromSeconds(60),
    });

    public string Output => string.Join("\n", Server.OutputTail(60));

    public async ValueTask DisposeAsync()
    {
        if (Server is not null)
        {
            await Server.DisposeAsync();
        }

        if (_bed is not null)
        {
            await _bed.DisposeAsync();
        }

        if (Model is not null)
        {
            await Model.DisposeAsync();
        }
    }
}
