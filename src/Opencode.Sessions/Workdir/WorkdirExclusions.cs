namespace Opencode.Sessions.Workdir;

/// <summary>Which work-directory paths are left out of snapshots.</summary>
public static class WorkdirExclusions
{
    /// <summary>
    /// The patterns used when <see cref="OpencodeTaskConfig.WorkdirExclude"/> is <see langword="null"/>:
    /// <c>.git</c>, <c>node_modules</c>, <c>__pycache__</c>, <c>.venv</c>, <c>*.pyc</c>, <c>.DS_Store</c>.
    /// </summary>
    public static IReadOnlyList<string> Defaults { get; } = [".git", "node_modules", "__pycache__", ".venv", "*.pyc", ".DS_Store"];

    /// <summary>
    /// Names at the root of the work directory that never enter a snapshot, whatever the exclude list says
    /// (credentials and transient scratch files of the harness itself, and <c>opencode.json</c>: it is rewritten every
    /// run and may hold provider API keys).
    /// </summary>
    public static IReadOnlyList<string> AlwaysExcludedAtRoot { get; } =
        [PasswordFileName, ExportScratchName, ImportScratchName, OpencodeConfigFileName];

    // The owners (the launcher, the snapshot service, the config writer) take these names from here, so the archive code
    // depends on none of them.
    internal const string PasswordFileName = ".opencode-password";
    internal const string ExportScratchName = ".opencode-export.json";
    internal const string ImportScratchName = ".opencode-import.json";
    internal const string OpencodeConfigFileName = "opencode.json";

    /// <summary>Returns the effective exclude list: the configured one, or <see cref="Defaults"/> when it is <see langword="null"/>.</summary>
    /// <param name="configured">The configured list; empty means nothing is excluded.</param>
    /// <returns>The patterns to apply.</returns>
    public static IReadOnlyList<string> Effective(IReadOnlyList<string>? configured) => configured ?? Defaults;
}
