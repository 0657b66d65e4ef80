using Opencode.Sessions.Hosting;
using Opencode.Sessions.Hosting.Local;
using Opencode.Sessions.Hosting.Ssh;

namespace Opencode.Sessions;

/// <summary>One run per process id at a time, and nothing left of a run that died (see <see cref="TaskLock"/>).</summary>
internal sealed partial class TaskRunner
{
    /// <summary>The process holding the task lock, or <see langword="null"/> before it is taken (or on hosts without one).</summary>
    private IHostProcess? _taskLock;

    /// <summary>
    /// Takes the task lock on the local and SSH hosts before anything of the task directory is touched: a second
    /// execution of a running process id fails here with <see cref="TaskAlreadyRunningException"/>. Other hosts (a
    /// <see cref="OpencodeTaskConfig.HostFactory"/>'s own) run unlocked.
    /// </summary>
    private async Task LockTaskAsync(CancellationToken cancellationToken)
    {
        if (Host is not (LocalHost or SshHost))
        {
            Log.TaskLockSkipped(_logger, _task.ProcessId, Host.DisplayName, Host.GetType().Name);
            return;
        }

        try
        {
            _taskLock = await TaskLock.AcquireAsync(Host, _task.ProcessId, cancellationToken).ConfigureAwait(false);
        }
        catch (TaskAlreadyRunningException)
        {
            Log.TaskAlreadyRunning(_logger, _task.ProcessId, Host.DisplayName);
            throw;
        }
    }

    /// <summary>
    /// Stops what a run of this process id that died (a killed job runner, a lost connection) left running: every
    /// process carrying the task directory's marker. Under the task lock, none of them can belong to a live run.
    /// </summary>
    private async Task StopEarlierRunProcessesAsync(CancellationToken cancellationToken)
    {
        var stopped = await LeftoverProcesses.StopAsync(Host, Host.TaskDirectory, aggressive: true, cancellationToken).ConfigureAwait(false);
        if (stopped > 0)
        {
            Log.EarlierRunProcessesStopped(_logger, _task.ProcessId, stopped, Host.TaskDirectory, Host.DisplayName);
            _context.ReportProgress(null, $"Stopped {stopped} process(es) an earlier run left running on {Host.DisplayName}");
        }
    }

    /// <summary>Releases the task lock (the last step before the host is disposed).</summary>
    private async Task ReleaseTaskLockAsync()
    {
        if (_taskLock is { } holder)
        {
            _taskLock = null;
            await TaskLock.ReleaseAsync(holder).ConfigureAwait(false);
        }
    }
}
