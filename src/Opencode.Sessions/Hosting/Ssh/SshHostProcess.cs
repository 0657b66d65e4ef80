using Microsoft.Extensions.Logging;

namespace Opencode.Sessions.Hosting.Ssh;

/// <summary>A process group leader started by <see cref="SshHost"/>; its output is drained for its whole life.</summary>
internal sealed class SshHostProcess : IHostProcess
{
    /// <summary>How long the channel may take to end after the group was killed.</summary>
    private static readonly TimeSpan ExitTimeout = TimeSpan.FromSeconds(10);

    private readonly SshHost _host;
    private readonly SshClientProcess _client;
    private readonly HostProcessStartInfo _startInfo;
    private readonly ILogger _logger;
    private readonly TaskCompletionSource<int> _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _disposed;

    public SshHostProcess(SshHost host, SshClientProcess client, int processId, HostProcessStartInfo startInfo, ILogger logger)
    {
        _host = host;
        _client = client;
        _startInfo = startInfo;
        _logger = logger;
        ProcessId = processId;
        _ = MonitorAsync();
    }

    public int ProcessId { get; }

    public Task<int> Exited => _exited.Task;

    public async Task TerminateAsync(TerminationMode mode, CancellationToken cancellationToken)
    {
        if (_exited.Task.IsFaulted || _exited.Task.IsCanceled)
        {
            // The channel dropped: the dead-man switch on the host already killed the group.
            return;
        }

        // Even after the leader exited, members of its group may live on: sweep them too.
        var sweepOnly = _exited.Task.IsCompleted;
        try
        {
            var gone = await _host.TerminateGroupAsync(ProcessId, sweepOnly ? TerminationMode.Aggressive : mode, _startInfo.GracePeriod, cancellationToken).ConfigureAwait(false);
            if (!gone)
            {
                SshHost.Log.ProcessGroupSurvived(_logger, _host.DisplayName, ProcessId);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The caller stopped waiting: the SIGKILL is still sent.
            await KillNowAsync().ConfigureAwait(false);
            throw;
        }
        catch (SshConnectionException ex)
        {
            // No connection to send signals over: closing our channel trips the dead-man switch if the host still hears us.
            SshHost.Log.TerminateWithoutConnection(_logger, _host.DisplayName, ProcessId, ex);
            _client.Kill();
        }

        try
        {
            await _exited.Task.WaitAsync(ExitTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // Something outside the group still holds the output pipe; stop listening.
            _client.Kill();
        }
        catch (Exception ex) when (ex is SshConnectionException)
        {
            // Exited faulted because the connection dropped meanwhile: the group is gone with it.
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        if (!_exited.Task.IsCompleted)
        {
            try
            {
                await TerminateAsync(TerminationMode.Aggressive, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OpencodeSessionsException or IOException or ObjectDisposedException or InvalidOperationException)
            {
                SshHost.Log.TerminateWithoutConnection(_logger, _host.DisplayName, ProcessId, ex);
            }
        }

        await _client.DisposeAsync().ConfigureAwait(false);
    }

    private async Task KillNowAsync()
    {
        using var timeout = new CancellationTokenSource(ExitTimeout);
        try
        {
            await _host.TerminateGroupAsync(ProcessId, TerminationMode.Aggressive, TimeSpan.Zero, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or OpencodeSessionsException or IOException or ObjectDisposedException)
        {
            // Last resort: closing the channel makes the host's dead-man switch kill the group.
            SshHost.Log.TerminateWithoutConnection(_logger, _host.DisplayName, ProcessId, ex);
            _client.Kill();
        }
    }

    private async Task MonitorAsync()
    {
        try
        {
            await OutputLinePump.PumpAsync(_client.Output, Deliver).ConfigureAwait(false);
            var exit = await _client.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
            if (exit.RemoteExitCode is { } code)
            {
                SshHost.Log.ProcessExited(_logger, _host.DisplayName, ProcessId, code);
                _exited.TrySetResult(code);
            }
            else
            {
                _exited.TrySetException(await _host.ProcessChannelFailureAsync(exit, $"process {ProcessId} ({_startInfo.FileName})").ConfigureAwait(false));
            }
        }
        catch (Exception ex) when (ex is InvalidOperationException or IOException or ObjectDisposedException)
        {
            _exited.TrySetException(new SshConnectionException(SshFailureKind.ConnectionLost, _host.Config.ToString(), $"the channel of process {ProcessId} failed", innerException: ex));
        }
    }

    private void Deliver(string line)
    {
        SshHost.Log.ProcessOutput(_logger, ProcessId, line);
        try
        {
            _startInfo.OutputLine?.Invoke(line);
        }
        catch (Exception ex)
        {
            SshHost.Log.OutputCallbackFailed(_logger, ProcessId, ex);
        }
    }
}
