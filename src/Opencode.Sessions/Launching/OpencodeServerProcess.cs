using Microsoft.Extensions.Logging;
using Opencode.Sessions.Hosting;

namespace Opencode.Sessions.Launching;

/// <summary>
/// A running <c>opencode serve</c> process that printed its listening URL. Disposing stops it gracefully (if still
/// running), releases the process handle and removes the password file. Disposal is idempotent.
/// </summary>
internal sealed class OpencodeServerProcess : IAsyncDisposable
{
    private readonly IHost _host;
    private readonly OpencodeOutputMonitor _output;
    private readonly string _passwordFile;
    private readonly ILogger _logger;
    private int _disposed;
    private int _passwordFileGone;

    /// <summary>Initializes a new instance.</summary>
    internal OpencodeServerProcess(IHost host, IHostProcess process, Uri listeningUri, BasicAuth credentials, OpencodeOutputMonitor output, string passwordFile, ILogger logger)
    {
        _host = host;
        Process = process;
        ListeningUri = listeningUri;
        Port = listeningUri.Port;
        HostBaseUri = new Uri($"http://127.0.0.1:{Port}");
        Credentials = credentials;
        _output = output;
        _passwordFile = passwordFile;
        _logger = logger;
    }

    /// <summary>Gets the opencode process (leader of its own process group).</summary>
    public IHostProcess Process { get; }

    /// <summary>Gets the TCP port opencode listens on, on the host's loopback interface.</summary>
    public int Port { get; }

    /// <summary>Gets the URL exactly as opencode printed it.</summary>
    public Uri ListeningUri { get; }

    /// <summary>Gets <c>http://127.0.0.1:PORT</c>, the server's address as seen on the host (tunnel it for remote hosts).</summary>
    public Uri HostBaseUri { get; }

    /// <summary>Gets the Basic credentials the server requires (user <c>opencode</c>, a fresh random password).</summary>
    public BasicAuth Credentials { get; }

    /// <summary>Gets a task that completes with the exit code when opencode has exited.</summary>
    public Task<int> Exited => Process.Exited;

    /// <summary>
    /// Records that the password file is already gone (the whole task directory was removed), so disposal does not
    /// remove it again: on an SSH host that would be one more command for nothing.
    /// </summary>
    public void PasswordFileRemoved() => Volatile.Write(ref _passwordFileGone, 1);

    /// <summary>Returns up to the last <paramref name="lines"/> output lines (at most 200 are kept), oldest first.</summary>
    /// <param name="lines">How many lines.</param>
    /// <returns>The lines.</returns>
    public IReadOnlyList<string> OutputTail(int lines) => _output.Tail(lines);

    /// <summary>Stops opencode (its whole process group).</summary>
    /// <param name="mode">Graceful (SIGTERM, grace period, SIGKILL) or aggressive (SIGKILL).</param>
    /// <param name="cancellationToken">A token to stop waiting (the SIGKILL is still sent).</param>
    /// <returns>A task that completes when the process has exited.</returns>
    public Task StopAsync(TerminationMode mode, CancellationToken cancellationToken)
    {
        if (Process.Exited.IsCompleted)
        {
            return Task.CompletedTask;
        }

        Log.OpencodeStopping(_logger, Process.ProcessId, mode);
        return Process.TerminateAsync(mode, cancellationToken);
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        try
        {
            await StopAsync(TerminationMode.Graceful, CancellationToken.None).ConfigureAwait(false);
            if (Volatile.Read(ref _passwordFileGone) == 0)
            {
                await _host.RemoveFileAsync(_passwordFile, CancellationToken.None).ConfigureAwait(false);
            }
        }
#pragma warning disable CA1031 // Disposal must not throw; the failure is logged.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            Log.OpencodeCleanupFailed(_logger, Process.ProcessId, ex);
        }
        finally
        {
            await Process.DisposeAsync().ConfigureAwait(false);
        }
    }
}
