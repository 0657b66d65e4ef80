namespace Opencode.Sessions.Hosting.Ssh;

/// <content>Agent-controlled files beneath the work directory, walked on the host by a perl helper (<see cref="SshWorkdirScript"/>).</content>
public sealed partial class SshHost
{
    /// <inheritdoc/>
    /// <remarks>
    /// The host needs <c>perl</c> (present on nearly every Linux; on Debian it is essential): a small perl program, sent
    /// in the script on standard input, walks the path component by component (<c>lstat</c>, <c>chdir</c>, device and
    /// inode checked after each step), opens the file <c>O_NOFOLLOW | O_NONBLOCK</c>, checks it with <c>fstat</c> and
    /// streams that descriptor as the caller reads. Without perl this fails with a <see cref="HostCommandException"/> that
    /// says so.
    /// </remarks>
    /// <exception cref="HostCommandException">perl is missing on the host, or the helper failed.</exception>
    /// <exception cref="SshConnectionException">The connection is gone.</exception>
    public override async Task<Stream> OpenWorkdirFileAsync(string relativePath, CancellationToken cancellationToken)
    {
        var names = WorkdirRelativePath.Split(relativePath);
        var marker = SshRemoteScript.NewMarker();
        var what = $"reading '{relativePath}' from the work directory";
        var client = await StartClientAsync(SshWorkdirScript.Read(WorkDirectory, names, marker), marker, cancellationToken).ConfigureAwait(false);
        try
        {
            client.CloseInput();
            var header = new byte[1];
            var read = await client.Output.ReadAsync(header, cancellationToken).ConfigureAwait(false);
            if (read == 1 && header[0] == (byte)'Y')
            {
                return new SshReadStream(client, exit => VerifyStreamExitAsync(exit, what));
            }

            var exit = await client.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
            if (exit.RemoteExitCode is not { } code)
            {
                throw await ChannelFailureAsync(exit, what).ConfigureAwait(false);
            }

            if (read == 1 && code == 0 && SshWorkdirScript.ReasonOf((char)header[0]) is { } reason)
            {
                throw new UnsafeWorkdirPathException(relativePath, reason);
            }

            throw new HostCommandException($"{what} on {DisplayName}", new HostCommandResult(code, "", exit.StandardError));
        }
        catch
        {
            await client.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <inheritdoc/>
    /// <remarks>
    /// One command, whatever the stream: the perl helper (see <see cref="OpenWorkdirFileAsync"/>) enters or creates the
    /// parent directories without following links, writes a temporary file there from framed standard input and renames
    /// it over the target only once the final frame arrived; a dropped transfer leaves no partial file.
    /// </remarks>
    /// <exception cref="HostCommandException">perl is missing on the host, or the helper failed.</exception>
    /// <exception cref="SshConnectionException">The connection dropped during the transfer.</exception>
    public override async Task WriteWorkdirFileAsync(string relativePath, Stream content, UnixFileMode? mode, CancellationToken cancellationToken)
    {
        var names = WorkdirRelativePath.Split(relativePath);
        ArgumentNullException.ThrowIfNull(content);
        var marker = SshRemoteScript.NewMarker();
        var what = $"writing '{relativePath}' in the work directory";
        var script = SshWorkdirScript.Write(WorkDirectory, names, mode ?? DefaultFileMode, marker);
        var exit = await ExecuteAsync(script, marker, guarded: false, (channel, ct) => SshWorkdirScript.CopyFramedAsync(content, channel, ct), output: null, what, cancellationToken).ConfigureAwait(false);
        var code = exit.RemoteExitCode!.Value;
        if (code == 0)
        {
            return;
        }

        if (SshWorkdirScript.ReasonOf(code) is { } reason)
        {
            throw new UnsafeWorkdirPathException(relativePath, reason);
        }

        throw new HostCommandException($"{what} on {DisplayName}", new HostCommandResult(code, "", exit.StandardError));
    }
}
