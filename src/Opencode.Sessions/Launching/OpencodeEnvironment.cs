using Opencode.Sessions.Workdir;

using Opencode.Sessions.Hosting;
using Opencode.Sessions.Posix;

namespace Opencode.Sessions.Launching;

/// <summary>
/// The environment every opencode process of a task runs with (server, export, import, version probe), and the
/// shell prelude that prepares it on the host. Everything lives outside the work directory, so none of it can enter a
/// snapshot: <c>&lt;taskdir&gt;/opencode.db</c>, <c>&lt;taskdir&gt;/home</c> and <c>&lt;taskdir&gt;/run/</c>.
/// </summary>
internal static class OpencodeEnvironment
{
    /// <summary>The user name opencode's Basic authentication expects (we pin it, whatever the environment says).</summary>
    public const string ServerUsername = "opencode";

    /// <summary>The variable opencode reads its server password from; only ever set by the launch script.</summary>
    public const string PasswordVariable = "OPENCODE_SERVER_PASSWORD";

    /// <summary>The variable opencode reads its server user name from.</summary>
    public const string UsernameVariable = "OPENCODE_SERVER_USERNAME";


    /// <summary>
    /// The variable that carries the names the prelude keeps (space-separated) when the job runner's environment is
    /// not inherited. It holds names only, never values, and the prelude removes it.
    /// </summary>
    public const string KeepVariable = "OPENCODE_SESSIONS_KEEP_ENVIRONMENT";

    /// <summary>
    /// The inherited variables opencode keeps when the environment is not inherited as a whole: the search path,
    /// locale, terminal, time zone, temporary directory and the user's identity and shell. <c>LC_*</c> and the
    /// library's own <c>OPENCODE_SESSIONS_*</c> are kept as well.
    /// </summary>
    public static IReadOnlyList<string> AllowListedNames { get; } = ["PATH", "LANG", "LANGUAGE", "TERM", "TZ", "TMPDIR", "USER", "LOGNAME", "SHELL"];

    /// <summary>Names of the no-op browser stubs put first on PATH, so nothing ever tries to open a real browser.</summary>
    public static IReadOnlyList<string> BrowserStubNames { get; } = ["xdg-open", "gio", "open", "sensible-browser", "www-browser", "x-www-browser"];

    /// <summary>
    /// A POSIX shell prelude that expects <c>$1</c> = the run directory and shifts it away. When
    /// <see cref="KeepVariable"/> is set it first unsets every inherited variable that is neither allow-listed
    /// (<see cref="AllowListedNames"/>, <c>LC_*</c>, <c>OPENCODE_SESSIONS_*</c>) nor named in it, so opencode and
    /// everything the agent runs start from a clean environment, on this machine and over SSH alike. It then writes the
    /// browser stubs (0700) into <c>$run/bin</c>, creates <c>$HOME</c> (0700) when it is missing and puts the stubs first
    /// on PATH. Environment values of a host command are literal, so the PATH prepend must happen here.
    /// </summary>
    public static string ShellPrelude { get; } =
        "set -e\n" +
        "run=$1; shift\n" +
        "if [ -n \"${" + KeepVariable + "+x}\" ]; then\n" +
        "  command -v env >/dev/null 2>&1 || { echo 'opencode-sessions: env(1) is missing, so the environment cannot be cleaned' >&2; exit 96; }\n" +
        "  __ocs_keep=\" " + string.Join(' ', AllowListedNames) + " $" + KeepVariable + " \"\n" +
        "  for __ocs_v in $(env | sed -n 's/^\\([A-Za-z_][A-Za-z0-9_]*\\)=.*/\\1/p'); do\n" +
        "    case \"$__ocs_keep\" in *\" $__ocs_v \"*) continue ;; esac\n" +
        "    case \"$__ocs_v\" in LC_*|OPENCODE_SESSIONS_*) continue ;; esac\n" +
        "    command unset \"$__ocs_v\" 2>/dev/null || :\n" +
        "  done\n" +
        "  unset " + KeepVariable + " __ocs_keep __ocs_v\n" +
        "fi\n" +
        "(umask 077; mkdir -p \"$run/bin\")\n" +
        "for n in " + string.Join(' ', BrowserStubNames) + "; do\n" +
        "  if [ ! -x \"$run/bin/$n\" ]; then printf '#!/bin/sh\\nexit 0\\n' > \"$run/bin/$n\"; chmod 700 \"$run/bin/$n\"; fi\n" +
        "done\n" +
        "if [ -n \"${HOME:-}\" ] && [ ! -d \"$HOME\" ]; then (umask 077; mkdir -p \"$HOME\"); fi\n" +
        "PATH=\"$run/bin:${PATH:-/usr/local/bin:/usr/bin:/bin}\"; export PATH\n";

    /// <summary>The opencode database of a task: <c>&lt;taskdir&gt;/opencode.db</c>.</summary>
    public static string DatabasePath(string taskDirectory) => HostPath.Combine(taskDirectory, "opencode.db");

    /// <summary>The scratch directory of a task: <c>&lt;taskdir&gt;/run</c> (password file, browser stubs).</summary>
    public static string RunDirectory(string taskDirectory) => HostPath.Combine(taskDirectory, "run");

    /// <summary>The password file: <c>&lt;taskdir&gt;/run/.opencode-password</c>.</summary>
    public static string PasswordFile(string taskDirectory) => HostPath.Combine(RunDirectory(taskDirectory), PasswordFileName);

    /// <summary>The password file's name.</summary>
    public const string PasswordFileName = WorkdirExclusions.PasswordFileName;

    /// <summary>The isolated home directory: <c>&lt;taskdir&gt;/home</c>.</summary>
    public static string HomeDirectory(string taskDirectory) => HostPath.Combine(taskDirectory, "home");

    /// <summary>
    /// Builds the environment for opencode processes of a task: the library's entries, the configured
    /// <paramref name="extra"/> values and, unless <paramref name="inheritEnvironment"/>, the keep list the
    /// <see cref="ShellPrelude"/> cleans the inherited environment with. The library's own entries
    /// (<see cref="ReservedNames"/>) always win; <see cref="OpencodeTaskConfigValidator"/> refuses a configuration that
    /// sets them.
    /// </summary>
    /// <param name="taskDirectory">The task directory on the host.</param>
    /// <param name="isolateHome">Give opencode its own HOME and XDG directories under the task directory.</param>
    /// <param name="extra">Extra variables from the configuration (<see langword="null"/> value = unset).</param>
    /// <param name="inheritEnvironment">Keep the whole inherited environment instead of the allow-list (<see cref="OpencodeTaskConfig.InheritEnvironment"/>).</param>
    /// <returns>Literal values to add to (or, when <see langword="null"/>, remove from) the inherited environment.</returns>
    public static IReadOnlyDictionary<string, string?> Build(string taskDirectory, bool isolateHome, IReadOnlyDictionary<string, string?>? extra, bool inheritEnvironment = false)
    {
        ArgumentException.ThrowIfNullOrEmpty(taskDirectory);
        var env = new Dictionary<string, string?>(StringComparer.Ordinal) { ["OPENCODE_DISABLE_AUTOUPDATE"] = "1" };
        if (extra is not null)
        {
            foreach (var (key, value) in extra)
            {
                env[key] = value;
            }
        }

        env["OPENCODE_DB"] = DatabasePath(taskDirectory);
        env["BROWSER"] = HostPath.Combine(RunDirectory(taskDirectory), "bin/xdg-open");
        if (isolateHome)
        {
            var home = HomeDirectory(taskDirectory);
            env["HOME"] = home;
            env["XDG_CONFIG_HOME"] = HostPath.Combine(home, ".config");
            env["XDG_DATA_HOME"] = HostPath.Combine(home, ".local/share");
            env["XDG_CACHE_HOME"] = HostPath.Combine(home, ".cache");
            env["XDG_STATE_HOME"] = HostPath.Combine(home, ".local/state");
        }

        // The launch script sets both from the password file; an inherited or configured value must never leak in
        // (and commands other than the server have no business knowing the password).
        env[PasswordVariable] = null;
        env[UsernameVariable] = null;
        // Marks every process of the task: opencode's tools run the agent's commands in sessions of their own, outside
        // opencode's process group; they (and whatever they start) inherit it, which is how LeftoverProcesses finds them.
        env[LeftoverProcesses.MarkerVariable] = taskDirectory;
        if (inheritEnvironment)
        {
            env.Remove(KeepVariable);
        }
        else
        {
            // Names only: what the prelude keeps besides the allow-list. Without isolation opencode needs the
            // runner's own HOME and XDG directories to find its configuration and data.
            var keep = env.Where(e => e.Value is not null && e.Key != KeepVariable).Select(e => e.Key);
            if (!isolateHome)
            {
                keep = keep.Concat(HomeNames);
            }

            env[KeepVariable] = string.Join(' ', keep.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal));
        }

        return env;
    }

    /// <summary>HOME and the XDG base directories (set by the library when the home is isolated).</summary>
    public static IReadOnlyList<string> HomeNames { get; } = ["HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"];

    /// <summary>The prefix of the library's own variables (task marker, guard, keep list…); <see cref="OpencodeTaskConfig.Environment"/> may not use it.</summary>
    public const string LibraryPrefix = "OPENCODE_SESSIONS_";

    /// <summary>
    /// Returns the variables the library sets itself, which <see cref="OpencodeTaskConfig.Environment"/> may not set or
    /// unset: the server credentials, the database, the browser stub, HOME/XDG_* when the home is isolated and every
    /// <see cref="LibraryPrefix"/> name (matched separately).
    /// </summary>
    /// <param name="isolateHome">Whether the home is isolated.</param>
    /// <returns>The exact names.</returns>
    public static IReadOnlyList<string> ReservedNames(bool isolateHome) =>
        isolateHome ? [.. FixedReservedNames, .. HomeNames] : FixedReservedNames;

    private static readonly string[] FixedReservedNames = [PasswordVariable, UsernameVariable, "OPENCODE_DB", "BROWSER", LeftoverProcesses.MarkerVariable];
}
