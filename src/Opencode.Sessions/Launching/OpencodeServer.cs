using System.Globalization;
using Microsoft.Extensions.Logging;
using Opencode.Sessions.Hosting;

using Opencode.Sessions.Hosting.Local;
using Opencode.Sessions.Opencode;

namespace Opencode.Sessions.Launching;

/// <summary>
/// <c>opencode serve</c> running on this machine, with a ready <see cref="OpencodeClient"/>: the library's counterpart of
/// the JS SDK's <c>createOpencode()</c>, for applications that only want the client. It is started exactly as a
/// task's opencode is: a fresh password in a 0600 file (never in any argv, log or message), isolated HOME/XDG
/// directories, an allow-listed environment, browser stubs, its own process group and a watchdog that stops it
/// if this process dies.
/// </summary>
/// <remarks>
/// Disposing stops the process group (SIGTERM, <see cref="OpencodeServerOptions.ShutdownGracePeriod"/>, SIGKILL) and
/// the processes the agent left running, disposes <see cref="Client"/> and removes the password file and the private
/// directories. Disposal is idempotent and safe to call concurrently.
/// </remarks>
/// <example>
/// <code>
/// await using var server = await OpencodeServer.StartAsync(new OpencodeServerOptions { WorkingDirectory = workdir }, cancellationToken);
/// var session = await server.Client.CreateSessionAsync(cancellationToken: cancellationToken);
/// </code>
/// </example>
public sealed partial class OpencodeServer : IAsyncDisposable
{
    private readonly LocalHost _host;
    private readonly OpencodeServerState _state;
    private readonly OpencodeServerProcess _process;
    private readonly ILogger _logger;
    private readonly Lazy<Task> _disposal;

    private OpencodeServer(LocalHost host, OpencodeServerState state, OpencodeServerProcess process, OpencodeClient client, string version, string workingDirectory, ILogger logger)
    {
        _host = host;
        _state = state;
        _process = process;
        Client = client;
        Version = version;
        WorkingDirectory = workingDirectory;
        _logger = logger;
        _disposal = new Lazy<Task>(DisposeCoreAsync, LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>Gets the server's address: <c>http://127.0.0.1:PORT</c> (it listens on the loopback interface only).</summary>
    public Uri BaseAddress => _process.HostBaseUri;

    /// <summary>
    /// Gets a client scoped to <see cref="WorkingDirectory"/> and authenticated with the server's password; disposed
    /// with the server. For other settings (a longer timeout, another directory) create one from its options:
    /// <c>new OpencodeClient(server.Client.Options with { Timeout = … })</c>.
    /// </summary>
    public OpencodeClient Client { get; }

    /// <summary>Gets the opencode version the server reports (for example <c>1.18.33</c>).</summary>
    public string Version { get; }

    /// <summary>Gets the absolute working directory opencode serves.</summary>
    public string WorkingDirectory { get; }

    /// <summary>Gets the id of the opencode process, which leads its own process group.</summary>
    public int ProcessId => _process.Process.ProcessId;

    /// <summary>Gets a task that completes with opencode's exit code when it has exited (128 + signal when killed).</summary>
    public Task<int> Exited => _process.Exited;

    /// <summary>Returns a description with the address, process id and version; never the password.</summary>
    /// <returns>The description.</returns>
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"OpencodeServer({BaseAddress}, pid {ProcessId}, opencode {Version}, {WorkingDirectory})");

    /// <inheritdoc/>
    public ValueTask DisposeAsync() => new(_disposal.Value);

    private async Task DisposeCoreAsync()
    {
        var leftovers = await StopAsync(_host, _process, _logger).ConfigureAwait(false);
        await Client.DisposeAsync().ConfigureAwait(false);
        await ReleaseAsync(_host, _state, _process, _logger).ConfigureAwait(false);
        Log.OpencodeServerStopped(_logger, ProcessId, leftovers);
    }

    /// <summary>Stops opencode's process group gracefully, then the agent's leftover processes. Never throws.</summary>
    /// <returns>How many leftover processes were signalled.</returns>
    private static async Task<int> StopAsync(LocalHost host, OpencodeServerProcess process, ILogger logger)
    {
        try
        {
            await process.StopAsync(TerminationMode.Graceful, CancellationToken.None).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // Disposal must not throw; the failure is logged and the host still kills what it started.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            Log.OpencodeCleanupFailed(logger, process.Process.ProcessId, ex);
        }

        try
        {
            // The agent's commands run in sessions of their own, outside opencode's process group.
            return await LeftoverProcesses.StopAsync(host, host.TaskDirectory, aggressive: false, CancellationToken.None).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // As above.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            Log.OpencodeCleanupFailed(logger, process.Process.ProcessId, ex);
            return 0;
        }
    }

    /// <summary>Releases the process handle (removes the password file), the host and the state directory. Never throws.</summary>
    private static async Task ReleaseAsync(LocalHost host, OpencodeServerState state, OpencodeServerProcess? process, ILogger logger)
    {
        if (process is not null)
        {
            await process.DisposeAsync().ConfigureAwait(false);
        }

        await host.DisposeAsync().ConfigureAwait(false);
        try
        {
            state.Dispose();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            Log.OpencodeServerStateCleanupFailed(logger, state.Root, ex);
        }
    }
}
