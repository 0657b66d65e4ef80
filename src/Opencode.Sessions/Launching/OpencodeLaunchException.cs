namespace Opencode.Sessions.Launching;

/// <summary>
/// <c>opencode serve</c> exited before it was ready (printed its listening URL and, for <see cref="OpencodeServer"/>,
/// answered its health check). The message holds the exit code and the last lines of its output (a missing provider
/// package, a bad <c>opencode.json</c>, a crash…).
/// </summary>
public sealed class OpencodeLaunchException : OpencodeSessionsException
{
    /// <summary>Initializes a new instance.</summary>
    /// <param name="exitCode">The exit code of the opencode process (128 + signal when killed).</param>
    /// <param name="outputTail">The last lines of its merged standard output and error, oldest first.</param>
    public OpencodeLaunchException(int exitCode, IReadOnlyList<string> outputTail)
        : base(BuildMessage(exitCode, outputTail))
    {
        ExitCode = exitCode;
        OutputTail = outputTail;
    }

    /// <summary>Gets the exit code of the opencode process.</summary>
    public int ExitCode { get; }

    /// <summary>Gets the last lines of its output, oldest first.</summary>
    public IReadOnlyList<string> OutputTail { get; }

    private static string BuildMessage(int exitCode, IReadOnlyList<string> outputTail) =>
        $"opencode exited with code {exitCode} before it was ready." + Environment.NewLine +
        ProcessOutput.DescribeTail(outputTail) + Environment.NewLine +
        "Check the opencode configuration (opencode.json), the environment and that the executable runs on this host.";
}
