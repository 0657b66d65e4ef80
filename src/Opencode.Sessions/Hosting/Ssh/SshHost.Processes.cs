namespace Opencode.Sessions.Hosting.Ssh;

public sealed partial class SshHost
{
    /// <inheritdoc/>
    /// <remarks>
    /// The program becomes the leader of a new session and process group on the host (<c>setsid</c>); its pid, which
    /// is also the group id, is reported before it execs. Standard output and standard error are merged and delivered
    /// line by line to <see cref="HostProcessStartInfo.OutputLine"/>; standard input is <c>/dev/null</c>. The channel
    /// stays open for the process's life: if it drops, the remote group is SIGKILLed and
    /// <see cref="IHostProcess.Exited"/> faults with an <see cref="SshConnectionException"/>
    /// (<see cref="SshFailureKind.ConnectionLost"/>).
    /// </remarks>
    /// <exception cref="DirectoryNotFoundException">The working directory does not exist on the host.</exception>
    /// <exception cref="HostCommandException">The host could not start the process (for example, setsid is missing).</exception>
    /// <exception cref="SshConnectionException">The connection is gone.</exception>
    public override async Task<IHostProcess> LaunchAsync(HostProcessStartInfo startInfo, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(startInfo);
        var command = new HostCommand(startInfo.FileName, startInfo.Arguments);
        var marker = SshRemoteScript.NewMarker();
        var script = SshRemoteScript.Guarded(
            command,
            startInfo.WorkingDirectory,
            _taskDirectory is null ? null : WorkDirectory,
            startInfo.Environment,
            standardInput: null,
            mergeStandardError: true,
            marker);
        var client = await StartClientAsync(script, marker, cancellationToken).ConfigureAwait(false);
        try
        {
            var pid = await client.RemoteProcessId.WaitAsync(cancellationToken).ConfigureAwait(false);
            if (pid is not { } processId)
            {
                var exit = await client.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
                if (exit.RemoteExitCode is null)
                {
                    throw await ChannelFailureAsync(exit, $"launching {startInfo.FileName}").ConfigureAwait(false);
                }

                if (exit.NoDirectory)
                {
                    throw new DirectoryNotFoundException($"The working directory '{startInfo.WorkingDirectory}' does not exist on {DisplayName}.");
                }

                throw new HostCommandException($"launching {command} on {DisplayName}", new HostCommandResult(exit.RemoteExitCode.Value, "", exit.StandardError));
            }

            var process = await TrackProcessAsync(new SshHostProcess(this, client, processId, startInfo, _logger)).ConfigureAwait(false);
            Log.Launched(_logger, DisplayName, startInfo.FileName, processId);
            return process;
        }
        catch
        {
            await client.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Ends remote process group <paramref name="groupId"/> (see <see cref="SshRemoteScript.TerminateGroup"/>).</summary>
    /// <returns><see langword="true"/> when the group is gone.</returns>
    internal async Task<bool> TerminateGroupAsync(int groupId, TerminationMode mode, TimeSpan grace, CancellationToken cancellationToken)
    {
        var marker = SshRemoteScript.NewMarker();
        var script = SshRemoteScript.TerminateGroup(groupId, mode == TerminationMode.Graceful, grace, marker);
        var exit = await ExecuteAsync(script, marker, guarded: false, input: null, output: null, $"terminating process group {groupId}", cancellationToken).ConfigureAwait(false);
        return exit.RemoteExitCode == 0;
    }

    /// <summary>The exception for a launched process whose channel ended without an exit report.</summary>
    internal Task<SshConnectionException> ProcessChannelFailureAsync(SshClientExit exit, string what) => ChannelFailureAsync(exit, what);
}
