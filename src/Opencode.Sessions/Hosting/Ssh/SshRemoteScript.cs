using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Opencode.Sessions.Posix;

namespace Opencode.Sessions.Hosting.Ssh;

/// <summary>
/// Shell scripts run on an SSH host. The script never travels in argv: ssh runs the fixed <see cref="Bootstrap"/>,
/// which reads exactly the script's bytes from the channel's standard input and evaluates them with <c>/bin/sh</c>.
/// So neither this machine's nor the host's process list shows paths, arguments or environment values, and no
/// argument-length limit applies. What follows the script on standard input belongs to the script.
/// </summary>
/// <remarks>
/// Every script reports its outcome on standard error as a line <c>&lt;marker&gt; exit &lt;code&gt;</c> (and a
/// launched process its id as <c>&lt;marker&gt; pid &lt;id&gt;</c>), so a missing exit line always means the channel
/// dropped, whatever exit code the ssh client reports. The marker is random per invocation.
/// </remarks>
internal static partial class SshRemoteScript
{
    /// <summary>
    /// The variable a guarded program and every process it starts inherit, set to the invocation's marker: the
    /// dead-man switch finds the processes that left the program's process group (a tool's own session, a job put in
    /// the background with <c>nohup … &amp;</c>) by it.
    /// </summary>
    public const string GuardVariable = "OPENCODE_SESSIONS_GUARD";

    /// <summary>The remote command line that reads <paramref name="scriptBytes"/> bytes of script from stdin and runs it.</summary>
    public static string Bootstrap(int scriptBytes) =>
        "exec sh -c 'eval \"$(head -c " + scriptBytes.ToString(CultureInfo.InvariantCulture) + ")\"'";

    /// <summary>A fresh random marker.</summary>
    public static string NewMarker() => "__ocs_" + Convert.ToHexString(RandomNumberGenerator.GetBytes(8)).ToLowerInvariant() + "__";

    /// <summary>
    /// A script whose <paramref name="body"/> runs in the foreground with the channel's standard input and output
    /// (for streaming file contents and archives). It ends with the body, so no dead-man switch is needed: when the
    /// channel closes, the body sees end-of-file or a broken pipe.
    /// </summary>
    public static string Plain(string body, string marker) =>
        "{\n" + body + "\n}\n" + Epilogue(marker, "$?");

    /// <summary>
    /// A script that runs <paramref name="program"/> as the leader of a new session and process group (<c>setsid</c>),
    /// with a dead-man switch: a watcher reads the channel's standard input, which this machine keeps open, and when it
    /// reaches end-of-file (the channel, the master or the network is gone) SIGKILLs the whole group, then every process
    /// whose environment carries <see cref="GuardVariable"/> with this invocation's marker (found in <c>/proc</c>, where
    /// there is one): descendants that moved to sessions of their own die too.
    /// </summary>
    /// <param name="program">The program and its arguments.</param>
    /// <param name="workingDirectory">The directory to change to (must exist), or <see langword="null"/>.</param>
    /// <param name="defaultDirectory">A directory to change to if it exists, when <paramref name="workingDirectory"/> is <see langword="null"/>.</param>
    /// <param name="environment">Variables to export (or, when <see langword="null"/>, unset).</param>
    /// <param name="standardInput">A host file the program reads as stdin (deleted after), or <see langword="null"/> for /dev/null.</param>
    /// <param name="mergeStandardError">Whether the program's stderr goes to stdout.</param>
    /// <param name="marker">The marker.</param>
    public static string Guarded(
        HostCommand program,
        string? workingDirectory,
        string? defaultDirectory,
        IReadOnlyDictionary<string, string?>? environment,
        string? standardInput,
        bool mergeStandardError,
        string marker)
    {
        var script = new StringBuilder();
        if (workingDirectory is not null)
        {
            script.Append("cd -- ").Append(Q(workingDirectory)).Append(" || { printf '%s nodir\\n' ").Append(marker).Append(" >&2; ").Append(Fail(marker, 1)).Append("; }\n");
        }
        else if (defaultDirectory is not null)
        {
            script.Append("cd -- ").Append(Q(defaultDirectory)).Append(" 2>/dev/null || :\n");
        }

        AppendEnvironment(script, environment);
        var inner = "printf '%s pid %s\\n' " + marker + " \"$$\" >&2; exec \"$@\"" + (mergeStandardError ? " 2>&1" : "");
        var input = standardInput is null ? "" : " <" + Q(standardInput);
        script.Append("command -v setsid >/dev/null 2>&1 || { echo 'setsid not found on this host: install util-linux' >&2; ").Append(Fail(marker, 127)).Append("; }\n")
            .Append("exec 3<&0 </dev/null\n")
            .Append(GuardVariable).Append('=').Append(Q(marker)).Append(" setsid sh -c ").Append(Q(inner)).Append(" sh ").Append(string.Join(' ', new[] { program.FileName }.Concat(program.Arguments).Select(Q))).Append(input).Append(" 3<&- &\n")
            .Append("__ocs_p=$!\n")
            .Append("( while IFS= read -r __ocs_l; do :; done; kill -KILL -\"$__ocs_p\" 2>/dev/null; ").Append(Sweep(marker)).Append(" ) <&3 >/dev/null 2>&1 &\n")
            .Append("__ocs_w=$!\n")
            .Append("exec 3<&-\n")
            .Append("wait \"$__ocs_p\"; __ocs_s=$?\n")
            .Append("kill \"$__ocs_w\" 2>/dev/null; wait \"$__ocs_w\" 2>/dev/null\n");
        if (standardInput is not null)
        {
            script.Append("rm -f -- ").Append(Q(standardInput)).Append('\n');
        }

        return script.Append(Epilogue(marker, "$__ocs_s")).ToString();
    }

    /// <summary>
    /// A script that ends process group <paramref name="groupId"/>: SIGTERM and up to <paramref name="grace"/> for it to
    /// go (unless <paramref name="graceful"/> is false), then SIGKILL and up to 10 s more. Zombies (which an init that
    /// does not reap may keep forever) do not count as alive. Exit 0 = the group is gone.
    /// </summary>
    public static string TerminateGroup(int groupId, bool graceful, TimeSpan grace, string marker)
    {
        var tenths = graceful ? (int)Math.Ceiling(grace.TotalMilliseconds / 100) : 0;
        var body = $$"""
            __ocs_g={{groupId.ToString(CultureInfo.InvariantCulture)}}
            alive() {
              if command -v ps >/dev/null 2>&1; then
                ps -eo pgid=,stat= 2>/dev/null | awk -v g="$__ocs_g" '$1 == g && $2 !~ /^Z/ { f = 1 } END { exit !f }'
              else
                kill -0 -"$__ocs_g" 2>/dev/null
              fi
            }
            nap() { sleep 0.1 2>/dev/null || sleep 1; }
            __ocs_i=0
            if [ {{tenths.ToString(CultureInfo.InvariantCulture)}} -gt 0 ] && kill -TERM -"$__ocs_g" 2>/dev/null; then
              while [ "$__ocs_i" -lt {{tenths.ToString(CultureInfo.InvariantCulture)}} ] && alive; do nap; __ocs_i=$((__ocs_i + 1)); done
            fi
            kill -KILL -"$__ocs_g" 2>/dev/null
            __ocs_i=0
            while [ "$__ocs_i" -lt 100 ] && alive; do nap; __ocs_i=$((__ocs_i + 1)); done
            ! alive
            """;
        return Plain(body, marker);
    }

    /// <summary>Quotes one value for the remote shell.</summary>
    public static string Q(string value)
    {
        if (value.Contains('\0', StringComparison.Ordinal))
        {
            throw new ArgumentException("Values passed to a remote shell cannot contain NUL characters.", nameof(value));
        }

        return ShellQuoting.Quote(value);
    }

    /// <summary>Parses a marker line of standard error; returns the kind (<c>exit</c>, <c>pid</c>, <c>nodir</c>) and value.</summary>
    public static bool TryParseMarkerLine(string line, string marker, out string prefix, out string kind, out int value)
    {
        prefix = "";
        kind = "";
        value = 0;
        var at = line.LastIndexOf(marker, StringComparison.Ordinal);
        if (at < 0)
        {
            return false;
        }

        prefix = line[..at];
        var parts = line[(at + marker.Length)..].Trim().Split(' ', 2);
        kind = parts[0];
        return parts.Length < 2 || int.TryParse(parts[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out value);
    }

    private static void AppendEnvironment(StringBuilder script, IReadOnlyDictionary<string, string?>? environment)
    {
        if (environment is null)
        {
            return;
        }

        foreach (var (name, value) in environment)
        {
            if (!VariableName().IsMatch(name))
            {
                throw new ArgumentException($"'{name}' is not a valid environment variable name for a POSIX shell.", nameof(environment));
            }

            script.Append(value is null ? $"unset {name}\n" : $"export {name}={Q(value)}\n");
        }
    }

    /// <summary>SIGKILLs the processes whose environment holds the guard entry of <paramref name="marker"/> (a few rounds, for late forks).</summary>
    private static string Sweep(string marker) =>
        "__ocs_n=0; while [ \"$__ocs_n\" -lt 5 ]; do " +
        "__ocs_k=$(grep -slzFx -e " + Q(GuardVariable + "=" + marker) + " /proc/[0-9]*/environ 2>/dev/null | sed -n 's,^/proc/\\([0-9][0-9]*\\)/environ$,\\1,p'); " +
        "[ -n \"$__ocs_k\" ] || break; kill -KILL $__ocs_k 2>/dev/null; __ocs_n=$((__ocs_n + 1)); done";

    private static string Fail(string marker, int code) =>
        "printf '%s exit %s\\n' " + marker + " " + code.ToString(CultureInfo.InvariantCulture) + " >&2; exit " + code.ToString(CultureInfo.InvariantCulture);

    private static string Epilogue(string marker, string status) =>
        "__ocs_s=" + status + "\nprintf '%s exit %s\\n' " + marker + " \"$__ocs_s\" >&2\nexit \"$__ocs_s\"\n";

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex VariableName();
}
