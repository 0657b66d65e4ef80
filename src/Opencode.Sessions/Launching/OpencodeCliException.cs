namespace Opencode.Sessions.Launching;

/// <summary>An opencode command-line operation (<c>export</c>, <c>import</c>) failed.</summary>
public sealed class OpencodeCliException : OpencodeSessionsException
{
    /// <summary>Initializes a new instance.</summary>
    /// <param name="operation">The operation, e.g. <c>export</c>.</param>
    /// <param name="exitCode">The exit code of the command.</param>
    /// <param name="standardErrorTail">The end of its standard error (escape sequences removed).</param>
    public OpencodeCliException(string operation, int exitCode, string standardErrorTail)
        : base(BuildMessage(operation, exitCode, standardErrorTail))
    {
        Operation = operation;
        ExitCode = exitCode;
        StandardErrorTail = standardErrorTail;
    }

    /// <summary>Gets the operation that failed, e.g. <c>export</c>.</summary>
    public string Operation { get; }

    /// <summary>Gets the exit code of the command.</summary>
    public int ExitCode { get; }

    /// <summary>Gets the end of its standard error.</summary>
    public string StandardErrorTail { get; }

    private static string BuildMessage(string operation, int exitCode, string stderr) =>
        stderr.Length == 0
            ? $"opencode {operation} failed (exit {exitCode}) and wrote nothing to standard error."
            : $"opencode {operation} failed (exit {exitCode}):{Environment.NewLine}{stderr}";
}
