using Opencode.Sessions.Hosting;
using Opencode.Sessions.Snapshots;
using Opencode.Sessions.Launching;
using Opencode.Sessions.Workdir;

namespace Opencode.Sessions;

internal sealed partial class TaskRunner
{
    /// <summary>
    /// Restores the workdir and the conversation. A cipher failure (tampering, a downgraded record, a changed key) or a
    /// crossed restore limit fails the task (never papered over with a fresh start); any other failure falls back to a fresh start and keeps the snapshot for inspection.
    /// </summary>
    /// <returns><see langword="true"/> when the session was restored.</returns>
    private async Task<bool> RestoreAsync(SnapshotService snapshots, SnapshotRecord snapshot, CancellationToken cancellationToken)
    {
        _context.ReportProgress(null, $"Restoring snapshot {snapshot.SnapshotId} of {snapshot.CapturedAt:u}…");
        try
        {
            await snapshots.RestoreAsync(
                Host,
                snapshot,
                (file, token) => OpencodeCli.ImportSessionAsync(Host, _opencodePath!, file, _environment!, token),
                cancellationToken).ConfigureAwait(false);
            _context.ReportProgress(null, $"Resumed session {snapshot.SessionId}");
            return true;
        }
        catch (Exception ex) when (ex is BlobCipherException or WorkdirRestoreLimitException)
        {
            throw;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex)
        {
            Log.RestoreFailed(_logger, snapshot.SnapshotId, ex);
            _context.ReportProgress(null, $"Could not restore snapshot {snapshot.SnapshotId} ({ex.Message}); starting fresh. The snapshot is kept in the store for inspection.");
            var reset = await Host.RunCommandAsync(
                HostCommand.Shell("""rm -f -- "$1/opencode.db" "$1/opencode.db-wal" "$1/opencode.db-shm" && find "$2" -mindepth 1 -delete""", Host.TaskDirectory, Host.WorkDirectory)
                    with { WorkingDirectory = "/" },
                cancellationToken).ConfigureAwait(false);
            if (!reset.Succeeded)
            {
                throw new HostCommandException("reset the task directory after a failed restore", reset);
            }

            return false;
        }
    }

    /// <summary>
    /// Captures the snapshot, with the transcript read from the live server when there is one, else exported with
    /// <c>opencode export</c>; returns the error (already reported) when it failed.
    /// </summary>
    private async Task<Exception?> CaptureAsync(SnapshotService snapshots, SnapshotEndState end, byte[]? liveExport, CancellationToken cancellationToken)
    {
        try
        {
            var request = new SnapshotCaptureRequest(_task.ProcessId, _sessionId!, end, _config.TimeProvider.GetUtcNow(), _driver?.DeliverablesEmitted);
            var record = liveExport is not null
                ? await snapshots.CaptureAsync(Host, request, liveExport, cancellationToken).ConfigureAwait(false)
                : await snapshots.CaptureAsync(
                    Host,
                    request,
                    (file, token) => OpencodeCli.ExportSessionAsync(Host, _opencodePath!, _sessionId!, file, _environment!, token),
                    cancellationToken).ConfigureAwait(false);
            await _context.MarkHasSavedStateAsync(cancellationToken).ConfigureAwait(false);
            _context.ReportProgress(null, $"Snapshot {record.SnapshotId} saved ({end.ToString().ToLowerInvariant()})");
            return null;
        }
        catch (Exception ex)
        {
            var error = new SnapshotCaptureException(Host.DisplayName, Host.TaskDirectory, ex);
            Log.CaptureFailed(_logger, Host.TaskDirectory, ex);
            _context.ReportProgress(null, error.Message);
            return error;
        }
    }
}
