using Opencode.Sessions.Internal;

namespace Opencode.Sessions.Hosting;

public sealed partial class LocalHost
{
    /// <summary>The program that puts a child into a new session and process group.</summary>
    internal const string SetsidPath = "/usr/bin/setsid";

    /// <inheritdoc/>
    public Task<IHostProcess> LaunchAsync(HostProcessStartInfo startInfo, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(startInfo);
        ObjectDisposedException.ThrowIf(_disposeState != 0, this);
        cancellationToken.ThrowIfCancellationRequested();
        if (!File.Exists(SetsidPath))
        {
            throw new FileNotFoundException($"{SetsidPath} is missing; install util-linux (apt-get install util-linux) so processes can run in their own process group.", SetsidPath);
        }

        // A child of this process is not a group leader, so setsid(1) calls setsid(2) and execs in place: the pid we get
        // is the new session's and group's id, and the whole tree below it can be signalled at once.
        var info = CreateStartInfo(SetsidPath, new[] { startInfo.FileName }.Concat(startInfo.Arguments), startInfo.WorkingDirectory ?? DefaultWorkingDirectory(), startInfo.Environment);
        var process = LocalHostProcess.Start(info, startInfo, _logger);
        lock (_processes)
        {
            _processes.RemoveAll(p => p.Exited.IsCompleted);
            _processes.Add(process);
        }

        return Task.FromResult<IHostProcess>(process);
    }
}
