using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace Opencode.Sessions.Hosting.Local;

/// <summary>A process group leader started by <see cref="LocalHost"/>; its output is drained for its whole life.</summary>
internal sealed class LocalHostProcess : IHostProcess
{
    /// <summary>How long output may keep flowing after the leader exited (a grandchild may hold the pipe).</summary>
    private static readonly TimeSpan DrainAfterExit = TimeSpan.FromSeconds(2);

    private static readonly TimeSpan KillTimeout = TimeSpan.FromSeconds(10);

    private readonly Process _process;
    private readonly HostProcessStartInfo _startInfo;
    private readonly ILogger _logger;
    private readonly TaskCompletionSource<int> _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _disposed;

    private LocalHostProcess(Process process, HostProcessStartInfo startInfo, ILogger logger)
    {
        _process = process;
        _startInfo = startInfo;
        _logger = logger;
        ProcessId = process.Id;
    }

    public int ProcessId { get; }

    public Task<int> Exited => _exited.Task;

    public static LocalHostProcess Start(ProcessStartInfo info, HostProcessStartInfo startInfo, ILogger logger)
    {
        var process = new Process { StartInfo = info };
        process.Start();
        var handle = new LocalHostProcess(process, startInfo, logger);
        _ = handle.MonitorAsync();
        return handle;
    }

    public async Task TerminateAsync(TerminationMode mode, CancellationToken cancellationToken)
    {
        if (_exited.Task.IsCompleted && !ProcessGroup.Exists(ProcessId))
        {
            return;
        }

        if (mode == TerminationMode.Graceful && ProcessGroup.Signal(ProcessId, ProcessGroup.SigTerm))
        {
            using var grace = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            grace.CancelAfter(_startInfo.GracePeriod);
            try
            {
                await _exited.Task.WaitAsync(grace.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Grace period over (or the caller stopped waiting): escalate below.
            }
        }

        // Kill whatever is left of the group, including children that outlived the leader.
        ProcessGroup.Signal(ProcessId, ProcessGroup.SigKill);
        try
        {
            await _exited.Task.WaitAsync(KillTimeout, cancellationToken).ConfigureAwait(false);

            // Children re-parented to init die (and are reaped) a moment after the leader: wait for the whole group.
            var deadline = Environment.TickCount64 + (long)KillTimeout.TotalMilliseconds;
            while (ProcessGroup.Exists(ProcessId) && Environment.TickCount64 < deadline)
            {
                await Task.Delay(20, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (TimeoutException)
        {
            LocalHost.Log.ProcessDidNotExit(_logger, ProcessId);
        }

        if (ProcessGroup.Exists(ProcessId))
        {
            LocalHost.Log.ProcessDidNotExit(_logger, ProcessId);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await TerminateAsync(TerminationMode.Aggressive, CancellationToken.None).ConfigureAwait(false);
        _process.Dispose();
    }

    private async Task MonitorAsync()
    {
        try
        {
            var stdout = OutputLinePump.PumpAsync(_process.StandardOutput.BaseStream, Deliver);
            var stderr = OutputLinePump.PumpAsync(_process.StandardError.BaseStream, Deliver);
            await _process.WaitForExitAsync().ConfigureAwait(false);
            await Task.WhenAny(Task.WhenAll(stdout, stderr), Task.Delay(DrainAfterExit)).ConfigureAwait(false);
            _exited.TrySetResult(_process.ExitCode);
        }
        catch (Exception ex) when (ex is InvalidOperationException or IOException)
        {
            _exited.TrySetException(ex);
        }
    }

    private void Deliver(string line)
    {
        LocalHost.Log.ProcessOutput(_logger, ProcessId, line);
        try
        {
            _startInfo.OutputLine?.Invoke(line);
        }
        catch (Exception ex)
        {
            LocalHost.Log.OutputCallbackFailed(_logger, ProcessId, ex);
        }
    }
}
