using System.Globalization;

namespace Opencode.Sessions.Hosting;

/// <summary>
/// Stops the processes the agent left running when its session ends. opencode's tools start the agent's commands in
/// sessions (and process groups) of their own, so stopping opencode's process group misses them, and a command the
/// agent put in the background is re-parented away from opencode at once. Every one of them inherited
/// <see cref="MarkerVariable"/>, so they are found by their environment in <c>/proc</c>.
/// </summary>
/// <remarks>
/// Only processes of the host user can be read (and signalled), and only the exact marker entry of this task matches.
/// Hosts without <c>/proc</c> (not Linux) are left alone. A process that cleared its environment is not found.
/// </remarks>
internal static class LeftoverProcesses
{
    /// <summary>
    /// The environment entry every process of a session inherits (value: the task directory); the sweep and the
    /// parent-death watchdog find the session's processes by it.
    /// </summary>
    internal const string MarkerVariable = "OPENCODE_SESSIONS_TASK_DIRECTORY";

    /// <summary>How many tenths of a second SIGTERM gets before SIGKILL.</summary>
    private const int TermGraceTenths = 20;

    /// <summary>
    /// <c>$1</c> = the task directory, <c>$2</c> = <c>TERM</c> or <c>KILL</c>, <c>$3</c> = tenths of a second between
    /// SIGTERM and SIGKILL. Prints how many processes were signalled.
    /// </summary>
    internal static readonly string Script = $$"""
        marker="{{MarkerVariable}}=$1"
        if [ ! -d /proc/self ]; then echo 0; exit 0; fi
        list() { grep -slzFx -e "$marker" /proc/[0-9]*/environ 2>/dev/null | sed -n 's,^/proc/\([0-9][0-9]*\)/environ$,\1,p'; }
        pids=$(list)
        if [ -z "$pids" ]; then echo 0; exit 0; fi
        count=$(printf '%s\n' $pids | wc -l)
        kill -s "$2" $pids 2>/dev/null
        i=0
        while [ "$i" -lt "$3" ]; do
          pids=$(list)
          if [ -z "$pids" ]; then echo $count; exit 0; fi
          sleep 0.1 2>/dev/null || sleep 1
          i=$((i + 1))
        done
        pids=$(list)
        if [ -n "$pids" ]; then kill -s KILL $pids 2>/dev/null; fi
        echo $count
        """;

    /// <summary>Stops the task's leftover processes on the host.</summary>
    /// <param name="host">The host the session ran on.</param>
    /// <param name="taskDirectory">The task directory (the marker's value).</param>
    /// <param name="aggressive">SIGKILL at once (cancellation) instead of SIGTERM with a short grace.</param>
    /// <param name="cancellationToken">A token to cancel the sweep.</param>
    /// <returns>How many processes were signalled.</returns>
    /// <exception cref="HostCommandException">The sweep script failed.</exception>
    public static async Task<int> StopAsync(IHost host, string taskDirectory, bool aggressive, CancellationToken cancellationToken)
    {
        var command = HostCommand.Shell(Script, taskDirectory, aggressive ? "KILL" : "TERM", (aggressive ? 5 : TermGraceTenths).ToString(CultureInfo.InvariantCulture))
            with { WorkingDirectory = "/" };
        var result = await host.RunCommandAsync(command, cancellationToken).ConfigureAwait(false);
        if (!result.Succeeded)
        {
            throw new HostCommandException("stop the processes the agent left running", result);
        }

        return int.TryParse(result.StandardOutput.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var count) ? count : 0;
    }
}
