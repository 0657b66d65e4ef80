namespace Opencode.Sessions.Snapshots;

/// <summary>
/// The write-only stream a snapshot store hands to a blob writer (the callbacks of
/// <see cref="ISnapshotStore.SaveAsync"/>). It enforces the writer rules: it counts the bytes (for the stored length
/// and a short-write check), ignores the writer's dispose (the store owns the destination), and refuses every write
/// once the store has sealed it, so a writer that kept the stream cannot change a stored blob.
/// </summary>
/// <remarks>
/// A store author normally calls <see cref="WriteAsync(Stream, Func{Stream, CancellationToken, Task}, CancellationToken)"/>,
/// which wraps the destination, runs the writer and seals the sink whatever happens. The stream cannot read or seek;
/// <see cref="Position"/> is the number of bytes written. <see cref="Flush"/> is a no-op: the store flushes (and
/// syncs) the destination itself once the writer is done.
/// </remarks>
public sealed class BlobSinkStream : Stream
{
    private readonly Stream _destination;
    private volatile bool _sealed;

    /// <summary>Initializes a new instance over a destination the caller owns.</summary>
    /// <param name="destination">Where the bytes go; it is never disposed by this stream.</param>
    /// <exception cref="ArgumentNullException"><paramref name="destination"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is not writable.</exception>
    public BlobSinkStream(Stream destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        if (!destination.CanWrite)
        {
            throw new ArgumentException("The destination of a blob sink must be writable.", nameof(destination));
        }

        _destination = destination;
    }

    /// <summary>Gets how many bytes were written.</summary>
    public long BytesWritten { get; private set; }

    /// <summary>Gets a value indicating whether the store sealed the sink (every later write throws).</summary>
    public bool IsSealed => _sealed;

    /// <inheritdoc/>
    public override bool CanRead => false;

    /// <inheritdoc/>
    public override bool CanSeek => false;

    /// <inheritdoc/>
    public override bool CanWrite => !_sealed;

    /// <inheritdoc/>
    public override long Length => throw new NotSupportedException();

    /// <summary>Gets the number of bytes written; setting it is not supported.</summary>
    public override long Position
    {
        get => BytesWritten;
        set => throw new NotSupportedException();
    }

    /// <summary>
    /// Runs a blob writer against <paramref name="destination"/> through a new sink, seals the sink when the writer
    /// completes or fails, and returns how many bytes it wrote. The destination is neither flushed nor disposed.
    /// </summary>
    /// <param name="destination">Where the blob goes (a temporary file, a chunk writer, a buffer …).</param>
    /// <param name="writer">The writer callback passed to <see cref="ISnapshotStore.SaveAsync"/>.</param>
    /// <param name="cancellationToken">The token passed on to the writer.</param>
    /// <returns>The number of bytes the writer wrote.</returns>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    public static async Task<long> WriteAsync(Stream destination, Func<Stream, CancellationToken, Task> writer, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(writer);
        var sink = new BlobSinkStream(destination);
        try
        {
            await writer(sink, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            sink.Seal();
        }

        return sink.BytesWritten;
    }

    /// <summary>Refuses every later write (a writer that kept the stream cannot corrupt a stored blob). Idempotent.</summary>
    public void Seal() => _sealed = true;

    /// <inheritdoc/>
    public override void Write(byte[] buffer, int offset, int count)
    {
        ValidateBufferArguments(buffer, offset, count);
        Write(buffer.AsSpan(offset, count));
    }

    /// <inheritdoc/>
    public override void Write(ReadOnlySpan<byte> buffer)
    {
        ThrowIfSealed();
        _destination.Write(buffer);
        BytesWritten += buffer.Length;
    }

    /// <inheritdoc/>
    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        ValidateBufferArguments(buffer, offset, count);
        return WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
    }

    /// <inheritdoc/>
    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ThrowIfSealed();
        await _destination.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
        BytesWritten += buffer.Length;
    }

    /// <inheritdoc/>
    public override void Flush()
    {
        // The store flushes and syncs the destination itself once the writer is done.
    }

    /// <inheritdoc/>
    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <inheritdoc/>
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("A blob sink is write-only.");

    /// <inheritdoc/>
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException("A blob sink cannot seek.");

    /// <inheritdoc/>
    public override void SetLength(long value) => throw new NotSupportedException("A blob sink cannot change its length.");

    private void ThrowIfSealed() => ObjectDisposedException.ThrowIf(_sealed, this);
}
