namespace Opencode.Sessions.Hosting;

/// <summary>A command run on a host exited with a non-zero code where success was required.</summary>
public sealed class HostCommandException : OpencodeSessionsException
{
    /// <summary>Initializes a new instance.</summary>
    /// <param name="command">The command line as shown to humans (never contains secrets).</param>
    /// <param name="result">The command's result.</param>
    public HostCommandException(string command, HostCommandResult result)
        : base(BuildMessage(command, result))
    {
        Command = command;
        ExitCode = result.ExitCode;
        StandardOutput = result.StandardOutput;
        StandardError = result.StandardError;
    }

    /// <summary>Gets the command line.</summary>
    public string Command { get; }

    /// <summary>Gets the exit code.</summary>
    public int ExitCode { get; }

    /// <summary>Gets the captured standard output.</summary>
    public string StandardOutput { get; }

    /// <summary>Gets the captured standard error.</summary>
    public string StandardError { get; }

    private static string BuildMessage(string command, HostCommandResult result)
    {
        var stderr = result.StandardError.Trim();
        if (stderr.Length > 200)
        {
            stderr = stderr[..200] + "…";
        }

        return stderr.Length == 0
            ? $"command failed (exit {result.ExitCode}): {command}"
            : $"command failed (exit {result.ExitCode}): {command}{Environment.NewLine}stderr: {stderr}";
    }
}
