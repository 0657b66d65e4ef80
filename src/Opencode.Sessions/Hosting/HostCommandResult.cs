namespace Opencode.Sessions.Hosting;

/// <summary>The outcome of a <see cref="HostCommand"/>.</summary>
/// <param name="ExitCode">The exit code (128 + signal number when killed by a signal; -1 when unknown).</param>
/// <param name="StandardOutput">Captured standard output (UTF-8, invalid bytes replaced).</param>
/// <param name="StandardError">Captured standard error (UTF-8, invalid bytes replaced).</param>
public sealed record HostCommandResult(int ExitCode, string StandardOutput, string StandardError)
{
    /// <summary>Gets a value indicating whether the command exited with code 0.</summary>
    public bool Succeeded => ExitCode == 0;
}
