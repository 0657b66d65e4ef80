using System.Globalization;
using Opencode.Sessions.Internal;
using Opencode.Sessions.Posix;

namespace Opencode.Sessions.Hosting.Ssh;

public sealed partial class SshHost
{
    private const UnixFileMode DefaultFileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <inheritdoc/>
    /// <remarks>
    /// The content streams into a private temporary sibling and only once all of it arrived is the temporary file given
    /// its mode and renamed over the target (<c>mv -f</c>), so a cancelled or dropped transfer never leaves a partial
    /// target. When the stream's remaining length is known (it can seek), that is one command: the host takes exactly
    /// that many bytes (<c>head -c</c>) and checks the count before renaming. Otherwise it is two: the upload
    /// (<c>cat</c> until end of stream), then, after it reported success, the rename.
    /// </remarks>
    /// <exception cref="HostCommandException">The host could not create, write or rename the file, or fewer bytes arrived than the stream's length.</exception>
    /// <exception cref="SshConnectionException">The connection dropped during the transfer.</exception>
    public override async Task WriteFileAsync(string path, Stream content, UnixFileMode? mode, CancellationToken cancellationToken)
    {
        RequireAbsolute(path);
        ArgumentNullException.ThrowIfNull(content);
        var directory = HostPath.Normalize(path + "/..");
        var temporary = HostPath.Combine(directory, $".{HostPath.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        var octal = Convert.ToString((int)(mode ?? DefaultFileMode), 8);
        var length = content.CanSeek ? Math.Max(0, content.Length - content.Position) : (long?)null;
        var marker = SshRemoteScript.NewMarker();
        var (d, t, p) = (SshRemoteScript.Q(directory), SshRemoteScript.Q(temporary), SshRemoteScript.Q(path));
        var n = length?.ToString(CultureInfo.InvariantCulture);
        var script = SshRemoteScript.Plain(
            length is null
                ? $"mkdir -p -- {d} && umask 077 && cat > {t}"
                : $"if mkdir -p -- {d} && umask 077 && head -c {n} > {t} && __ocs_n=$(wc -c < {t}) && [ $__ocs_n -eq {n} ] && chmod {octal} -- {t} && mv -f -- {t} {p}; then :; " +
                  $"else rm -f -- {t}; echo \"the file was not written (${{__ocs_n:-0}} of {n} bytes arrived)\" >&2; false; fi",
            marker);
        try
        {
            var input = length is null ? Copy(content) : Copy(new KnownLengthReadStream(content, length.Value));
            var upload = await ExecuteAsync(script, marker, guarded: false, input, output: null, $"writing {path}", cancellationToken).ConfigureAwait(false);
            if (upload.RemoteExitCode != 0)
            {
                throw new HostCommandException($"writing '{path}' on {DisplayName}", new HostCommandResult(upload.RemoteExitCode ?? -1, "", upload.StandardError));
            }

            if (length is null)
            {
                await RunCheckedAsync(
                    HostCommand.Shell("chmod \"$1\" -- \"$2\" && mv -f -- \"$2\" \"$3\" || { rm -f -- \"$2\"; exit 1; }", octal, temporary, path),
                    $"moving '{path}' into place",
                    cancellationToken).ConfigureAwait(false);
            }
        }
        catch
        {
            await TryRemoveAsync(temporary).ConfigureAwait(false);
            throw;
        }
    }

    /// <inheritdoc/>
    /// <remarks>The file is streamed with <c>cat</c> over the connection as the caller reads; nothing is staged.</remarks>
    /// <exception cref="FileNotFoundException">The file does not exist (or is a directory).</exception>
    /// <exception cref="SshConnectionException">The connection is gone.</exception>
    public override async Task<Stream> OpenReadAsync(string path, CancellationToken cancellationToken)
    {
        RequireAbsolute(path);
        var marker = SshRemoteScript.NewMarker();
        var quoted = SshRemoteScript.Q(path);
        var script = SshRemoteScript.Plain($"if [ -e {quoted} ] && [ ! -d {quoted} ]; then printf Y && cat -- {quoted}; else printf N; fi", marker);
        var client = await StartClientAsync(script, marker, cancellationToken).ConfigureAwait(false);
        try
        {
            client.CloseInput();
            var header = new byte[1];
            var read = await client.Output.ReadAsync(header, cancellationToken).ConfigureAwait(false);
            if (read == 1 && header[0] == (byte)'Y')
            {
                return new SshReadStream(client, exit => VerifyStreamExitAsync(exit, $"reading {path}"));
            }

            var exit = await client.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
            if (exit.RemoteExitCode is null)
            {
                throw await ChannelFailureAsync(exit, $"reading {path}").ConfigureAwait(false);
            }

            if (read == 1 && header[0] == (byte)'N')
            {
                throw new FileNotFoundException($"'{path}' does not exist on {DisplayName}.", path);
            }

            throw new IOException($"Unexpected output before the content of '{path}' on {DisplayName}: do the remote shell's startup files print to standard output? They must not. {exit.StandardError}".TrimEnd());
        }
        catch
        {
            await client.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Checks how a streamed read or archive ended; returns the exception to throw, if any.</summary>
    private async Task<Exception?> VerifyStreamExitAsync(SshClientExit exit, string what)
    {
        if (exit.RemoteExitCode is null)
        {
            return await ChannelFailureAsync(exit, what).ConfigureAwait(false);
        }

        return exit.RemoteExitCode == 0
            ? null
            : new IOException($"{what} on {DisplayName} failed (exit {exit.RemoteExitCode.Value.ToString(CultureInfo.InvariantCulture)}): {exit.StandardError.Trim()}");
    }

    /// <summary>Removes a file, best effort, even after cancellation (bounded to a few seconds).</summary>
    private async Task TryRemoveAsync(string path)
    {
        if (DisposalToken.IsCancellationRequested || _master is not { IsAlive: true })
        {
            return;
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await RunCommandAsync(new HostCommand("rm", ["-f", "--", path]), timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or OpencodeSessionsException or IOException or ObjectDisposedException)
        {
            Log.TemporaryFileLeft(_logger, DisplayName, path, ex);
        }
    }
}
