using Opencode.Sessions.Internal;

namespace Opencode.Sessions.Hosting.Ssh;

/// <summary>
/// A write-only wrapper that sends a fixed line (<see cref="Signal"/>) before the first byte written through it. A
/// remote script waits for that line before it does anything destructive, so a source that fails before producing
/// any output (garbage instead of an archive) leaves the remote side untouched.
/// </summary>
internal sealed class GoSignalStream : ForwardOnlyWriteStream
{
    /// <summary>The line sent before the first byte.</summary>
    public const string Signal = "go";

    private static readonly byte[] SignalLine = "go\n"u8.ToArray();
    private readonly Stream _inner;
    private bool _sent;

    public GoSignalStream(Stream inner) => _inner = inner;

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (!_sent && !buffer.IsEmpty)
        {
            _sent = true;
            await _inner.WriteAsync(SignalLine, cancellationToken).ConfigureAwait(false);
        }

        await _inner.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(byte[] buffer, int offset, int count)
    {
        if (!_sent && count > 0)
        {
            _sent = true;
            _inner.Write(SignalLine);
        }

        _inner.Write(buffer, offset, count);
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => _inner.FlushAsync(cancellationToken);

    public override void Flush() => _inner.Flush();

}
