namespace Opencode.Sessions.Hosting.Local;

public sealed partial class LocalHost
{
    /// <summary>The program that puts a child into a new session and process group.</summary>
    internal const string SetsidPath = "/usr/bin/setsid";

    /// <inheritdoc/>
    public override async Task<IHostProcess> LaunchAsync(HostProcessStartInfo startInfo, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(startInfo);
        ThrowIfDisposed();
        cancellationToken.ThrowIfCancellationRequested();
        if (!File.Exists(SetsidPath))
        {
            throw new FileNotFoundException($"{SetsidPath} is missing; install util-linux (apt-get install util-linux) so processes can run in their own process group.", SetsidPath);
        }

        // A child of this process is not a group leader, so setsid(1) calls setsid(2) and execs in place: the pid we get
        // is the new session's and group's id, and the whole tree below it can be signalled at once.
        // Between setsid and the program sits a watchdog wrapper: it holds the read end of a pipe whose write end only
        // this process holds, so if this process dies (even SIGKILLed) the group and the task's marked processes die too.
        string? taskDirectory = null;
        startInfo.Environment?.TryGetValue(LeftoverProcesses.MarkerVariable, out taskDirectory);
        var program = ParentWatchdog.GroupArguments(new[] { startInfo.FileName }.Concat(startInfo.Arguments), taskDirectory);
        var info = CreateStartInfo(SetsidPath, new[] { "/bin/sh" }.Concat(program), startInfo.WorkingDirectory ?? DefaultWorkingDirectory(), startInfo.Environment);
        info.RedirectStandardInput = true;
        return await TrackProcessAsync(LocalHostProcess.Start(info, startInfo, _logger)).ConfigureAwait(false);
    }
}
