using Opencode.Sessions.Internal;

namespace Opencode.Sessions.Hosting.Ssh;

/// <summary>
/// The read side of a remote <c>cat</c>: bytes come straight from the ssh channel. At the end of the data the exit
/// report is checked, so a failed read or a dropped connection surfaces as an exception instead of a short file.
/// Disposing early kills the ssh client (and with it the remote reader).
/// </summary>
internal sealed class SshReadStream : ForwardOnlyReadStream
{
    private readonly SshClientProcess _client;
    private readonly Func<SshClientExit, Task<Exception?>> _verify;
    private bool _ended;
    private int _disposed;

    public SshReadStream(SshClientProcess client, Func<SshClientExit, Task<Exception?>> verify)
    {
        _client = client;
        _verify = verify;
    }

    public override int Read(byte[] buffer, int offset, int count) =>
        throw new NotSupportedException("Read the remote file asynchronously (ReadAsync / CopyToAsync).");

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        if (_ended || buffer.IsEmpty)
        {
            return 0;
        }

        var read = await _client.Output.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        if (read > 0)
        {
            return read;
        }

        _ended = true;
        var exit = await _client.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        if (await _verify(exit).ConfigureAwait(false) is { } failure)
        {
            throw failure;
        }

        return 0;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            await _client.DisposeAsync().ConfigureAwait(false);
        }

        await base.DisposeAsync().ConfigureAwait(false);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            // Synchronous disposal cannot await; killing the client is enough to release the channel.
            _client.Kill();
            _ = _client.DisposeAsync().AsTask();
        }

        base.Dispose(disposing);
    }
}
