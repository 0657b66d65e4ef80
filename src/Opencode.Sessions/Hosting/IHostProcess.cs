namespace Opencode.Sessions.Hosting;

/// <summary>A long-running process started by <see cref="IHost.LaunchAsync"/>, leader of its own process group.</summary>
public interface IHostProcess : IAsyncDisposable
{
    /// <summary>Gets the process id on the host (also its process group id).</summary>
    int ProcessId { get; }

    /// <summary>Gets a task that completes with the exit code when the process has exited and its output was drained.</summary>
    Task<int> Exited { get; }

    /// <summary>
    /// Terminates the whole process group. <see cref="TerminationMode.Graceful"/> sends SIGTERM, waits up to the
    /// grace period, then sends SIGKILL; <see cref="TerminationMode.Aggressive"/> sends SIGKILL at once.
    /// Returns at once if the process already exited.
    /// </summary>
    /// <param name="mode">How to terminate.</param>
    /// <param name="cancellationToken">A token to stop waiting (the SIGKILL is still sent).</param>
    /// <returns>A task that completes when the process has exited.</returns>
    Task TerminateAsync(TerminationMode mode, CancellationToken cancellationToken);
}
