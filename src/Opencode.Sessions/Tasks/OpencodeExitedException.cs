namespace Opencode.Sessions;

/// <summary>opencode exited before the agent wrote DONE or ERROR (a premature exit).</summary>
public sealed class OpencodeExitedException : OpencodeSessionsException
{
    /// <summary>Initializes a new instance.</summary>
    /// <param name="exitCode">The exit code (128 + signal when killed by a signal).</param>
    /// <param name="outputTail">The last lines opencode printed, for diagnosis.</param>
    public OpencodeExitedException(int exitCode, string outputTail)
        : base(BuildMessage(exitCode, outputTail))
    {
        ExitCode = exitCode;
        OutputTail = outputTail;
    }

    /// <summary>Gets the exit code.</summary>
    public int ExitCode { get; }

    /// <summary>Gets the last lines opencode printed.</summary>
    public string OutputTail { get; }

    private static string BuildMessage(int exitCode, string outputTail)
    {
        var how = exitCode > 128 ? $"killed by signal {exitCode - 128}" : $"exit code {exitCode}";
        var message = $"opencode exited prematurely ({how}) before the agent wrote DONE to optio.log.";
        return string.IsNullOrWhiteSpace(outputTail) ? message : message + Environment.NewLine + "Last output:" + Environment.NewLine + outputTail;
    }
}
