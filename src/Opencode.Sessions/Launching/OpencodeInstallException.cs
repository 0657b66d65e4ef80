namespace Opencode.Sessions.Launching;

/// <summary>
/// opencode could not be found or installed on a host. The message says what was tried and how to fix it (install
/// Node.js/npm, install opencode yourself, set <see cref="OpencodeTaskConfig.OpencodeExecutable"/> or enable
/// <see cref="OpencodeTaskConfig.InstallIfMissing"/>).
/// </summary>
public sealed class OpencodeInstallException : OpencodeSessionsException
{
    /// <summary>Initializes a new instance.</summary>
    /// <param name="message">What happened, the context and the fix.</param>
    /// <param name="version">The opencode version that was wanted.</param>
    /// <param name="exitCode">The exit code of the failed host command, if one failed.</param>
    public OpencodeInstallException(string message, string version, int? exitCode = null)
        : base(message)
    {
        Version = version;
        ExitCode = exitCode;
    }

    /// <summary>Gets the opencode version that was wanted.</summary>
    public string Version { get; }

    /// <summary>Gets the exit code of the failed host command, or <see langword="null"/> when no command failed.</summary>
    public int? ExitCode { get; }
}
