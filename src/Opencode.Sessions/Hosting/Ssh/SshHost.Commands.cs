using System.Text;

namespace Opencode.Sessions.Hosting.Ssh;

public sealed partial class SshHost
{
    private static readonly UTF8Encoding LenientUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false);

    /// <inheritdoc/>
    /// <remarks>
    /// Every argument and environment value is quoted for the remote shell, so any value (spaces, quotes, <c>$</c>,
    /// newlines, a leading dash) arrives unchanged. The working directory defaults to the work directory when it
    /// exists, else the remote home. A <see cref="HostCommand.StandardInput"/> is uploaded to a private temporary
    /// file first and the command then reads it, so a cancelled upload never reaches the command. The command runs
    /// in its own process group; cancellation or a lost connection kills that group.
    /// </remarks>
    /// <exception cref="DirectoryNotFoundException">The working directory does not exist on the host.</exception>
    /// <exception cref="SshConnectionException">The connection dropped before the command finished.</exception>
    public override async Task<HostCommandResult> RunCommandAsync(HostCommand command, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        RequireMaster();
        string? inputFile = null;
        if (command.StandardInput is { } stdin)
        {
            inputFile = await UploadTemporaryAsync(stdin, cancellationToken).ConfigureAwait(false);
        }

        var marker = SshRemoteScript.NewMarker();
        var script = SshRemoteScript.Guarded(
            command,
            command.WorkingDirectory,
            _taskDirectory is null ? null : WorkDirectory,
            command.Environment,
            inputFile,
            mergeStandardError: false,
            marker);
        Log.RunningCommand(_logger, DisplayName, command.FileName, command.Arguments.Count);
        var stdout = new MemoryStream();
        var exit = await ExecuteAsync(script, marker, guarded: true, input: null, (s, ct) => s.CopyToAsync(stdout, ct), command.FileName, cancellationToken).ConfigureAwait(false);
        if (exit.NoDirectory)
        {
            throw new DirectoryNotFoundException($"The working directory '{command.WorkingDirectory}' does not exist on {DisplayName}.");
        }

        return new HostCommandResult(exit.RemoteExitCode!.Value, LenientUtf8.GetString(stdout.GetBuffer(), 0, (int)stdout.Length), exit.StandardError);
    }

    /// <inheritdoc/>
    /// <remarks><c>$HOME</c> of the remote user, else its passwd entry; resolved once and cached.</remarks>
    /// <exception cref="HostCommandException">No absolute home directory could be found.</exception>
    public override async Task<string> ResolveHomeAsync(CancellationToken cancellationToken)
    {
        RequireMaster();
        if (_home is { } cached)
        {
            return cached;
        }

        var result = await RunCommandAsync(HostCommand.Shell("getent passwd \"$(id -un)\" | cut -d: -f6"), cancellationToken).ConfigureAwait(false);
        var home = result.StandardOutput.Trim('\n');
        if (!result.Succeeded || !home.StartsWith('/'))
        {
            throw new HostCommandException($"resolving the home directory on {DisplayName} ($HOME is not absolute and the passwd entry has none)", result);
        }

        return _home = home;
    }

    /// <inheritdoc/>
    public override async Task CleanupTaskDirectoryAsync(CancellationToken cancellationToken)
    {
        var directory = TaskDirectory;
        try
        {
            await RunCheckedAsync(new HostCommand("rm", ["-rf", "--", directory]), "removing the task directory", cancellationToken).ConfigureAwait(false);
        }
        catch (HostCommandException ex)
        {
            Log.CleanupFailed(_logger, DisplayName, directory, ex);
            throw new IOException($"Could not remove the task directory '{directory}' on {DisplayName}: {ex.Message}", ex);
        }
    }

    /// <summary>Uploads <paramref name="content"/> to a new private temporary file on the host and returns its path.</summary>
    private async Task<string> UploadTemporaryAsync(Stream content, CancellationToken cancellationToken)
    {
        var marker = SshRemoteScript.NewMarker();
        var script = SshRemoteScript.Plain(
            "umask 077 && __ocs_t=$(mktemp \"${TMPDIR:-/tmp}/ocs-stdin.XXXXXXXXXX\") && printf '%s' \"$__ocs_t\" && cat > \"$__ocs_t\"",
            marker);
        var path = new MemoryStream();
        var exit = await ExecuteAsync(script, marker, guarded: false, Copy(content), (s, ct) => s.CopyToAsync(path, ct), "uploading standard input", cancellationToken).ConfigureAwait(false);
        var file = LenientUtf8.GetString(path.GetBuffer(), 0, (int)path.Length);
        if (exit.RemoteExitCode != 0 || !file.StartsWith('/'))
        {
            throw new HostCommandException($"uploading standard input to {DisplayName}", new HostCommandResult(exit.RemoteExitCode ?? -1, file, exit.StandardError));
        }

        return file;
    }
}
