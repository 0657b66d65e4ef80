using Opencode.Sessions.Launching;

namespace Opencode.Sessions.Hosting;

/// <summary>
/// Shell wrappers that tie a local child process to the life of this .NET process, so nothing it started can outlive
/// it, even when it is SIGKILLed (an OOM killer, <c>kill -9</c>, a crashed job runner).
/// </summary>
/// <remarks>
/// <para>The wrapper is started with a redirected standard input: a pipe whose write end only this process holds (.NET
/// opens its pipes with <c>O_CLOEXEC</c>, so no other child inherits it). The wrapper hands that pipe to a tiny
/// background watchdog (a subshell blocked in the <c>read</c> builtin, no extra program) and then <c>exec</c>s the real
/// program with <c>/dev/null</c> as its input, so the program keeps the wrapper's pid. When this process dies, the
/// kernel closes the write end, the watchdog reads end-of-file and stops what the program started.</para>
/// <para>A normal shutdown costs nothing extra: the watchdog dies with the program's process group (it is a member),
/// or reads end-of-file when the handle is disposed and finds nothing left to stop. It holds neither output pipe, so
/// it never delays end-of-file on the program's output.</para>
/// <para>A background list of a non-interactive shell starts with <c>/dev/null</c> as its input, hence the detour
/// through descriptor 3.</para>
/// </remarks>
internal static class ParentWatchdog
{
    /// <summary>
    /// The wrapper for a process group leader (a child started through <c>setsid</c>): <c>$0</c> = the sweep script
    /// (<see cref="LeftoverProcesses.Script"/>), <c>$1</c> = the task directory whose marker
    /// (<see cref="LeftoverProcesses.MarkerVariable"/>) to sweep, or empty; the rest = the program and its
    /// arguments. On end-of-file the watchdog SIGKILLs every process carrying that exact marker entry (opencode's tools
    /// start commands in sessions of their own, outside the group), then the whole group, itself included. It replaces
    /// itself at once with a shell whose environment holds only PATH: the sweep never kills the sweeper, and the
    /// watchdog does not keep a copy of this process's environment (its secrets) readable in /proc for its whole life. A process
    /// group id cannot be reused while the watchdog, a member, exists, so the group kill never hits a stranger.
    /// </summary>
    public const string GroupWrapper = """
        sweep=$0; task=$1; shift
        group=$$
        exec 3<&0
        (
          exec env -i PATH="$PATH" /bin/sh -c 'while IFS= read -r _; do :; done; if [ -n "$2" ]; then /bin/sh -c "$1" sh "$2" KILL 5; fi; kill -s KILL -- "-$3"' sh "$sweep" "$task" "$group"
        ) <&3 >/dev/null 2>&1 &
        exec 3<&-
        exec "$@" </dev/null
        """;

    /// <summary>
    /// The wrapper for a plain child that stays in this process's group (the ssh control master): the arguments are
    /// the program and its arguments. On end-of-file the watchdog SIGTERMs the program, then SIGKILLs it after two
    /// seconds; it checks first that the program is still its parent (read from <c>/proc/self/stat</c>), so a pid that
    /// was reused after the program exited is never signalled.
    /// </summary>
    public const string ProcessWrapper = """
        exec 3<&0
        (
          while IFS= read -r _; do :; done
          parent() { read -r _ _ _ ppid _ < /proc/self/stat && [ "$ppid" = "$$" ]; }
          parent || exit 0
          kill -s TERM "$$"
          i=0
          while [ "$i" -lt 20 ]; do
            sleep 0.1 || sleep 1
            parent || exit 0
            i=$((i + 1))
          done
          kill -s KILL "$$"
        ) <&3 >/dev/null 2>&1 &
        exec 3<&-
        exec "$@" </dev/null
        """;

    /// <summary>The <c>/bin/sh</c> arguments that run <paramref name="program"/> under <see cref="GroupWrapper"/>.</summary>
    /// <param name="program">The program and its arguments.</param>
    /// <param name="taskDirectory">The task directory whose marked processes die with the group, or <see langword="null"/>.</param>
    /// <returns><c>-c</c>, the wrapper, <c>$0</c> (the sweep script) and the positional parameters.</returns>
    public static IEnumerable<string> GroupArguments(IEnumerable<string> program, string? taskDirectory) =>
        new[] { "-c", GroupWrapper, LeftoverProcesses.Script, taskDirectory ?? "" }.Concat(program);

    /// <summary>The <c>/bin/sh</c> arguments that run <paramref name="program"/> under <see cref="ProcessWrapper"/>.</summary>
    /// <param name="program">The program and its arguments.</param>
    /// <returns><c>-c</c>, the wrapper, <c>$0</c> and the positional parameters.</returns>
    public static IEnumerable<string> ProcessArguments(IEnumerable<string> program) =>
        new[] { "-c", ProcessWrapper, "sh" }.Concat(program);
}
