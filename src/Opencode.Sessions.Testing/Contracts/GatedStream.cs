namespace Opencode.Sessions.Testing.Contracts;

/// <summary>
/// A forward-only source that yields its first bytes, then waits (<see cref="Halfway"/> completes) until
/// <see cref="Release"/> or the reader's cancellation, then yields the rest: a write caught in the middle.
/// </summary>
internal sealed class GatedStream : Stream
{
    private readonly TaskCompletionSource _halfway = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly int _first;
    private int _position;

    public GatedStream(int first, int rest)
    {
        _first = first;
        AllBytes = Enumerable.Range(0, first + rest).Select(i => (byte)('a' + (i % 26))).ToArray();
    }

    public byte[] AllBytes { get; }

    public Task Halfway => _halfway.Task;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public void Release() => _released.TrySetResult();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_position == _first)
        {
            _halfway.TrySetResult();
            await _released.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        var end = _position < _first ? _first : AllBytes.Length;
        var count = Math.Min(buffer.Length, end - _position);
        AllBytes.AsMemory(_position, count).CopyTo(buffer);
        _position += count;
        return count;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer, offset, count, CancellationToken.None).GetAwaiter().GetResult();

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
