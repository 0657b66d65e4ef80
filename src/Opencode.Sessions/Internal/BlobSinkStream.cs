namespace Opencode.Sessions.Internal;

/// <summary>
/// The write-only stream a snapshot store hands to a blob writer: it counts the bytes (for the short-write check),
/// ignores the writer's dispose (the store owns the inner stream) and refuses writes once the store sealed it.
/// </summary>
internal sealed class BlobSinkStream : ForwardOnlyWriteStream
{
    private readonly Stream _inner;
    private bool _sealed;

    public BlobSinkStream(Stream inner) => _inner = inner;

    /// <summary>Gets how many bytes were written.</summary>
    public long BytesWritten { get; private set; }

    public override bool CanWrite => !_sealed;

    public override long Position
    {
        get => BytesWritten;
        set => throw new NotSupportedException();
    }

    /// <summary>Refuses every later write (a writer that kept the stream cannot corrupt a stored blob).</summary>
    public void Seal() => _sealed = true;

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        ThrowIfSealed();
        _inner.Write(buffer);
        BytesWritten += buffer.Length;
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ThrowIfSealed();
        await _inner.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
        BytesWritten += buffer.Length;
    }

    public override void Flush()
    {
        // The store flushes and syncs the inner stream itself once the writer is done.
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private void ThrowIfSealed() => ObjectDisposedException.ThrowIf(_sealed, this);
}
