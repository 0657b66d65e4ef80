namespace Opencode.Sessions.Hosting.Local;

/// <content>Agent-controlled files beneath the work directory, opened by descriptor (<c>openat2</c>, else an <c>O_NOFOLLOW</c> walk).</content>
public sealed partial class LocalHost
{
    /// <inheritdoc/>
    /// <remarks>
    /// Linux only: <c>openat2(RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_SYMLINKS)</c> on kernels 5.6+, else a
    /// component-by-component <c>openat(O_NOFOLLOW | O_DIRECTORY)</c> walk; the file is opened <c>O_NONBLOCK</c>, checked
    /// with <c>fstat</c> on that descriptor and read from it.
    /// </remarks>
    public override Task<Stream> OpenWorkdirFileAsync(string relativePath, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(BeneathFiles.OpenRead(WorkDirectory, relativePath));
    }

    /// <inheritdoc/>
    public override Task WriteWorkdirFileAsync(string relativePath, Stream content, UnixFileMode? mode, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(content);
        return BeneathFiles.WriteAsync(WorkDirectory, relativePath, content, mode ?? PrivateFile, cancellationToken);
    }
}
