namespace Opencode.Sessions.Internal;

/// <summary>
/// Base of the one-way, non-seekable stream adapters (pipes, SSH channels): everything except the direction's own
/// read or write members throws <see cref="NotSupportedException"/>.
/// </summary>
internal abstract class ForwardOnlyStream : Stream
{
    public override bool CanSeek => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();
}

/// <summary>A <see cref="ForwardOnlyStream"/> that can only be read.</summary>
internal abstract class ForwardOnlyReadStream : ForwardOnlyStream
{
    public override bool CanRead => true;

    public override bool CanWrite => false;

    public override void Flush()
    {
        // Nothing is buffered for writing.
    }

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}

/// <summary>A <see cref="ForwardOnlyStream"/> that can only be written.</summary>
internal abstract class ForwardOnlyWriteStream : ForwardOnlyStream
{
    public override bool CanRead => false;

    public override bool CanWrite => true;

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
