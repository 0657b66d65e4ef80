using System.Runtime.ExceptionServices;
using Opencode.Sessions.Hosting;
using Opencode.Sessions.Snapshots;
using Opencode.Sessions.Hosting.Ssh;

namespace Opencode.Sessions;

internal sealed partial class TaskRunner
{
    /// <summary>How long queued deliverables may still be fetched after a cancellation.</summary>
    private static readonly TimeSpan CancelDrainBound = TimeSpan.FromSeconds(3);

    /// <summary>An upper bound for the whole teardown, so a hung host cannot hang the job forever.</summary>
    private static readonly TimeSpan TeardownBound = TimeSpan.FromMinutes(10);

    /// <summary>
    /// Always runs: stop opencode (aggressively when cancelled), stop the log channel, AfterExecute, capture the snapshot,
    /// wipe the task directory (kept if the capture failed, or if it was never claimed from an earlier run), dispose the
    /// host. Each step is isolated from the others.
    /// </summary>
    /// <returns>The error the execution ends with, or <see langword="null"/> for success.</returns>
    private async Task<ExceptionDispatchInfo?> TeardownAsync(SnapshotService? snapshots, SnapshotEndState end, ExceptionDispatchInfo? failure)
    {
        using var bound = new CancellationTokenSource(TeardownBound);
        var cancelled = end == SnapshotEndState.Cancelled;
        // Over a lost SSH connection the tunnel is gone too: nothing to read, and no reason to wait for it.
        var liveExport = snapshots is not null && failure?.SourceException is not SshConnectionException
            ? await ExportFromLiveServerAsync(cancelled, bound.Token).ConfigureAwait(false)
            : null;
        if (_server is not null)
        {
            var stopOpencode = StepAsync("stop opencode", () => _server.StopAsync(cancelled ? TerminationMode.Aggressive : TerminationMode.Graceful, bound.Token));
            if (!cancelled)
            {
                // opencode gets its grace first: the sweep would SIGTERM it too, with the processes it still manages.
                await stopOpencode.ConfigureAwait(false);
            }

            // After a cancellation both only SIGKILL, and the sweep kills every process carrying the task marker
            // (opencode included) until none is left, so one spawned meanwhile is caught too: overlapping them saves a
            // host round trip (a whole SSH channel, seconds on a loaded host) from the cancellation promise.
            await StepAsync("stop the processes the agent left running", () => StopLeftoverProcessesAsync(cancelled, bound.Token)).ConfigureAwait(false);
            await stopOpencode.ConfigureAwait(false);
        }

        await StopLogChannelAsync(cancelled, bound.Token).ConfigureAwait(false);
        if (_bodyStarted && _config.AfterExecute is { } afterExecute)
        {
            try
            {
                await afterExecute(_hookContext!, bound.Token).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                if (failure is null)
                {
                    failure = ExceptionDispatchInfo.Capture(ex);
                    end = SnapshotEndState.Failed;
                }
                else
                {
                    _context.ReportProgress(null, $"AfterExecute callback raised: {ex.Message}");
                    Log.AfterExecuteFailed(_logger, ex);
                }
            }
        }

        var keepTaskDirectory = false;
        if (snapshots is not null && _sessionId is not null && (liveExport is not null || _opencodePath is not null))
        {
            var captureError = await CaptureAsync(snapshots, end, liveExport, bound.Token).ConfigureAwait(false);
            if (captureError is not null)
            {
                keepTaskDirectory = true;
                failure ??= ExceptionDispatchInfo.Capture(captureError);
            }
        }

        if (_host is not null)
        {
            // Before the leftover was moved aside, the task directory may hold an earlier run's unsaved work.
            if (!keepTaskDirectory && _ownsTaskDirectory
                && await StepAsync("remove the task directory", () => _host.CleanupTaskDirectoryAsync(bound.Token)).ConfigureAwait(false))
            {
                _server?.PasswordFileRemoved();
            }

            if (_server is not null)
            {
                await StepAsync("release opencode", () => _server.DisposeAsync().AsTask()).ConfigureAwait(false);
            }

            await StepAsync("release the task lock", ReleaseTaskLockAsync).ConfigureAwait(false);
            await StepAsync("disconnect", () => _host.DisposeAsync().AsTask()).ConfigureAwait(false);
        }

        _followCancellation.Dispose();
        return failure;
    }

    /// <summary>Stops the agent's commands, which opencode runs outside its own process group (see <see cref="LeftoverProcesses"/>).</summary>
    private async Task StopLeftoverProcessesAsync(bool cancelled, CancellationToken cancellationToken)
    {
        var stopped = await LeftoverProcesses.StopAsync(Host, Host.TaskDirectory, cancelled, cancellationToken).ConfigureAwait(false);
        if (stopped > 0)
        {
            _context.ReportProgress(null, $"Stopped {stopped} process(es) the agent left running");
        }
    }

    private async Task StopLogChannelAsync(bool cancelled, CancellationToken cancellationToken)
    {
        if (_driver is null)
        {
            return;
        }

        if (cancelled)
        {
            // Files already announced are on disk; give their callbacks a short, bounded chance.
            using var drain = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            drain.CancelAfter(CancelDrainBound);
            await StepAsync("deliver queued deliverables", () => _driver.DrainAsync(drain.Token), quiet: true).ConfigureAwait(false);
        }

        await _followCancellation.CancelAsync().ConfigureAwait(false);
        await IgnoreFailureAsync(_driverTask!).ConfigureAwait(false);
        await StepAsync("stop the deliverable queue", () => _driver.DisposeAsync().AsTask()).ConfigureAwait(false);
    }

    /// <summary>Runs one teardown step; its failure is logged, never thrown.</summary>
    /// <returns><see langword="true"/> when the step succeeded.</returns>
    private async Task<bool> StepAsync(string step, Func<Task> action, bool quiet = false)
    {
        try
        {
            await action().ConfigureAwait(false);
            return true;
        }
        catch (Exception ex)
        {
            if (!quiet)
            {
                Log.TeardownStepFailed(_logger, step, ex);
            }

            return false;
        }
    }
}
