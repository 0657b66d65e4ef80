using Opencode.Sessions.Hosting;

namespace Opencode.Sessions;

/// <summary>
/// One execution per process id and host at a time: an exclusive <c>flock</c> on
/// <c>&lt;task root&gt;/.&lt;processId&gt;.lock</c>, held by a small process launched on the host for the execution's
/// whole life. The kernel releases it when that process dies, and the host makes sure it dies with the execution: the
/// local host's watchdog when the job runner dies, the SSH host's dead-man switch when the connection drops.
/// </summary>
/// <remarks>The lock file itself is never removed (removing a lock file races with the next locker); it is empty.</remarks>
internal static class TaskLock
{
    /// <summary>The line the holder prints once it holds the lock.</summary>
    internal const string LockedLine = "opencode-sessions: task lock held";

    /// <summary>The holder's exit code when another execution holds the lock.</summary>
    private const int Conflict = 75;

    /// <summary><c>$1</c> = the task directory. Creates the task root (0700) if needed, then holds the lock.</summary>
    private const string Script = """
        dir=$1
        root=${dir%/*}
        (umask 077; mkdir -p -- "$root") || exit 71
        command -v flock >/dev/null 2>&1 || { echo "flock not found on this host: install util-linux" >&2; exit 127; }
        exec flock -n -E 75 "$root/.${dir##*/}.lock" /bin/sh -c 'echo "$0"; while :; do sleep 3600; done' "$2"
        """;

    /// <summary>The lock file of a task directory.</summary>
    public static string LockPath(string taskDirectory)
    {
        var slash = taskDirectory.LastIndexOf('/');
        return taskDirectory[..(slash + 1)] + "." + taskDirectory[(slash + 1)..] + ".lock";
    }

    /// <summary>Takes the lock, failing fast when it is held.</summary>
    /// <param name="host">The connected host.</param>
    /// <param name="processId">The process id (for the message).</param>
    /// <param name="cancellationToken">A token to cancel the attempt.</param>
    /// <returns>The holder; terminate it to release the lock.</returns>
    /// <exception cref="TaskAlreadyRunningException">Another execution holds the lock.</exception>
    /// <exception cref="HostCommandException">The lock could not be taken (no flock, the task root cannot be created…).</exception>
    public static async Task<IHostProcess> AcquireAsync(IHost host, string processId, CancellationToken cancellationToken)
    {
        var locked = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var output = new List<string>();
        var startInfo = new HostProcessStartInfo("/bin/sh", ["-c", Script, "sh", host.TaskDirectory, LockedLine])
        {
            WorkingDirectory = "/",
            GracePeriod = TimeSpan.Zero,
            OutputLine = line =>
            {
                if (line == LockedLine)
                {
                    locked.TrySetResult();
                    return;
                }

                lock (output)
                {
                    if (output.Count < 20)
                    {
                        output.Add(line);
                    }
                }
            },
        };
        var holder = await host.LaunchAsync(startInfo, cancellationToken).ConfigureAwait(false);
        try
        {
            await Task.WhenAny(locked.Task, holder.Exited).WaitAsync(cancellationToken).ConfigureAwait(false);
            if (locked.Task.IsCompleted)
            {
                return holder;
            }

            var exitCode = await holder.Exited.ConfigureAwait(false);
            if (exitCode == Conflict)
            {
                throw new TaskAlreadyRunningException(processId, host.DisplayName, LockPath(host.TaskDirectory));
            }

            string text;
            lock (output)
            {
                text = string.Join('\n', output);
            }

            throw new HostCommandException($"take the task lock {LockPath(host.TaskDirectory)} on {host.DisplayName}", new HostCommandResult(exitCode, "", text));
        }
        catch
        {
            await ReleaseAsync(holder).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Releases the lock: kills the holder at once (nothing to shut down gracefully).</summary>
    /// <param name="holder">The holder.</param>
    /// <returns>A task that completes when the holder is gone.</returns>
    public static async Task ReleaseAsync(IHostProcess holder)
    {
        try
        {
            await holder.TerminateAsync(TerminationMode.Aggressive, CancellationToken.None).ConfigureAwait(false);
        }
        finally
        {
            await holder.DisposeAsync().ConfigureAwait(false);
        }
    }
}
