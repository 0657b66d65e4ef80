namespace Opencode.Sessions.IntegrationTests.Infrastructure;

/// <summary>A live process found by <see cref="ProcessAssertions.FindUnder"/>.</summary>
/// <param name="Pid">The process id.</param>
/// <param name="ProcessGroup">Its process group.</param>
/// <param name="WorkingDirectory">Its current directory (ends " (deleted)" when the directory was removed).</param>
/// <param name="CommandLine">Its command line, arguments separated by spaces.</param>
internal sealed record ProcessEntry(int Pid, int ProcessGroup, string WorkingDirectory, string CommandLine)
{
    public override string ToString() => $"pid {Pid} (group {ProcessGroup}) in {WorkingDirectory}: {CommandLine}";
}
