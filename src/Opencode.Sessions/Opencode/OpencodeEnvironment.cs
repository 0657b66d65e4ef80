using Opencode.Sessions.Internal;

namespace Opencode.Sessions.Opencode;

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
    /// The variable that marks every process of a task with its task directory. opencode's tools run the agent's
    /// commands in sessions of their own, outside opencode's process group; they (and whatever they start) inherit
    /// this variable, which is how <see cref="LeftoverProcesses"/> finds them when the session ends.
    /// </summary>
    public const string TaskMarkerVariable = "OPENCODE_SESSIONS_TASK_DIRECTORY";

    /// <summary>Names of the no-op browser stubs put first on PATH, so nothing ever tries to open a real browser.</summary>
    public static IReadOnlyList<string> BrowserStubNames { get; } = ["xdg-open", "gio", "open", "sensible-browser", "www-browser", "x-www-browser"];

    /// <summary>
    /// A POSIX shell prelude that expects <c>$1</c> = the run directory and shifts it away. It writes the browser
    /// stubs (0700) into <c>$run/bin</c>, creates <c>$HOME</c> (0700) when it is missing and puts the stubs first on
    /// PATH. Environment values of a host command are literal, so the PATH prepend must happen here.
    /// </summary>
    public static string ShellPrelude { get; } =
        "set -e\n" +
        "run=$1; shift\n" +
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
    public const string PasswordFileName = ".opencode-password";

    /// <summary>The isolated home directory: <c>&lt;taskdir&gt;/home</c>.</summary>
    public static string HomeDirectory(string taskDirectory) => HostPath.Combine(taskDirectory, "home");

    /// <summary>
    /// Builds the environment for opencode processes of a task. The user's <paramref name="extra"/> values win,
    /// except the server user name and password, which are always the harness's own, and the task marker
    /// (<see cref="TaskMarkerVariable"/>).
    /// </summary>
    /// <param name="taskDirectory">The task directory on the host.</param>
    /// <param name="isolateHome">Give opencode its own HOME and XDG directories under the task directory.</param>
    /// <param name="extra">Extra variables from the configuration (<see langword="null"/> value = unset).</param>
    /// <returns>Literal values to add to (or, when <see langword="null"/>, remove from) the inherited environment.</returns>
    public static IReadOnlyDictionary<string, string?> Build(string taskDirectory, bool isolateHome, IReadOnlyDictionary<string, string?>? extra)
    {
        ArgumentException.ThrowIfNullOrEmpty(taskDirectory);
        var env = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["OPENCODE_DB"] = DatabasePath(taskDirectory),
            ["BROWSER"] = HostPath.Combine(RunDirectory(taskDirectory), "bin/xdg-open"),
            ["OPENCODE_DISABLE_AUTOUPDATE"] = "1",
        };

        if (isolateHome)
        {
            var home = HomeDirectory(taskDirectory);
            env["HOME"] = home;
            env["XDG_CONFIG_HOME"] = HostPath.Combine(home, ".config");
            env["XDG_DATA_HOME"] = HostPath.Combine(home, ".local/share");
            env["XDG_CACHE_HOME"] = HostPath.Combine(home, ".cache");
            env["XDG_STATE_HOME"] = HostPath.Combine(home, ".local/state");
        }

        if (extra is not null)
        {
            foreach (var (key, value) in extra)
            {
                env[key] = value;
            }
        }

        // The launch script sets both from the password file; an inherited or configured value must never leak in
        // (and commands other than the server have no business knowing the password).
        env[PasswordVariable] = null;
        env[UsernameVariable] = null;
        env[TaskMarkerVariable] = taskDirectory;
        return env;
    }
}
