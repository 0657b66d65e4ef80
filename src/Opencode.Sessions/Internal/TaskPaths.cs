namespace Opencode.Sessions.Internal;

/// <summary>Where things live: task directories, the data root and the install cache.</summary>
internal static class TaskPaths
{
    /// <summary>Environment variable that overrides the local task root.</summary>
    public const string TaskRootVariable = "OPENCODE_SESSIONS_TASK_ROOT";

    /// <summary>Environment variable that overrides the data root (snapshots, default task root).</summary>
    public const string DataRootVariable = "OPENCODE_SESSIONS_DATA_DIR";

    /// <summary>Environment variable that overrides the cache root (installed opencode).</summary>
    public const string CacheRootVariable = "OPENCODE_SESSIONS_CACHE_DIR";

    /// <summary>Environment variable (read on the worker) that overrides the remote task root.</summary>
    public const string RemoteTaskRootVariable = "OPENCODE_SESSIONS_REMOTE_TASK_ROOT";


    /// <summary>The data root: <c>$OPENCODE_SESSIONS_DATA_DIR</c>, else <c>$XDG_DATA_HOME/opencode-sessions</c>, else <c>~/.local/share/opencode-sessions</c>.</summary>
    public static string DataRoot() =>
        NonEmpty(Environment.GetEnvironmentVariable(DataRootVariable))
        ?? Path.Combine(NonEmpty(Environment.GetEnvironmentVariable("XDG_DATA_HOME")) ?? Path.Combine(Home(), ".local", "share"), "opencode-sessions");

    /// <summary>The cache root: <c>$OPENCODE_SESSIONS_CACHE_DIR</c>, else <c>$XDG_CACHE_HOME/opencode-sessions</c>, else <c>~/.cache/opencode-sessions</c>.</summary>
    /// <remarks>
    /// The installer resolves the same rule in shell on the host (<c>OpencodeInstallScripts</c>); keep both in step.
    /// The integration tests' opencode locator uses this one.
    /// </remarks>
    public static string CacheRoot() =>
        NonEmpty(Environment.GetEnvironmentVariable(CacheRootVariable))
        ?? Path.Combine(NonEmpty(Environment.GetEnvironmentVariable("XDG_CACHE_HOME")) ?? Path.Combine(Home(), ".cache"), "opencode-sessions");

    /// <summary>The local task directory: configured root, else <c>$OPENCODE_SESSIONS_TASK_ROOT</c>, else <c>&lt;data root&gt;/tasks</c>.</summary>
    public static string LocalTaskDirectory(string processId, string? configuredRoot)
    {
        var root = NonEmpty(configuredRoot) ?? NonEmpty(Environment.GetEnvironmentVariable(TaskRootVariable)) ?? Path.Combine(DataRoot(), "tasks");
        return Path.Combine(Path.GetFullPath(root), processId);
    }

    private static string Home() =>
        NonEmpty(Environment.GetEnvironmentVariable("HOME")) ?? Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);

    private static string? NonEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;
}
