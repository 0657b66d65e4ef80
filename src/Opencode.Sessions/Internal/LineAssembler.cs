using System.Text;
using Opencode.Sessions.Hosting;

namespace Opencode.Sessions.Internal;

/// <summary>
/// Splits a byte stream into complete lines (LF terminated, a CR before the LF is dropped). Incomplete trailing bytes
/// stay buffered until more data arrives, so a line written in several pieces is emitted once, whole. Lines longer than
/// <see cref="MaxLineBytes"/> are cut: the first part is emitted with <see cref="FollowedLine.Truncated"/> set and the
/// rest up to the next newline is discarded, so memory stays bounded whatever the writer does.
/// </summary>
internal sealed class LineAssembler
{
    private static readonly UTF8Encoding Strict = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
    private static readonly UTF8Encoding Lenient = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false);

    private readonly byte[] _buffer;
    private int _length;
    private bool _discarding;

    public LineAssembler(int maxLineBytes = 1024 * 1024)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLineBytes, 16);
        MaxLineBytes = maxLineBytes;
        _buffer = new byte[maxLineBytes];
    }

    /// <summary>Gets the longest line, in bytes, emitted whole.</summary>
    public int MaxLineBytes { get; }

    /// <summary>Gets the number of buffered bytes of the current incomplete line.</summary>
    public int Pending => _length;

    /// <summary>Feeds bytes; every line they complete is added to <paramref name="lines"/>.</summary>
    public void Append(ReadOnlySpan<byte> data, List<FollowedLine> lines)
    {
        while (!data.IsEmpty)
        {
            var newline = data.IndexOf((byte)'\n');
            var chunk = newline < 0 ? data : data[..newline];
            if (_discarding)
            {
                if (newline >= 0)
                {
                    _discarding = false;
                }
            }
            else
            {
                var room = MaxLineBytes - _length;
                if (chunk.Length > room)
                {
                    chunk[..room].CopyTo(_buffer.AsSpan(_length));
                    _length = MaxLineBytes;
                    lines.Add(Decode(truncated: true));
                    _discarding = newline < 0;
                }
                else
                {
                    chunk.CopyTo(_buffer.AsSpan(_length));
                    _length += chunk.Length;
                    if (newline >= 0)
                    {
                        lines.Add(Decode(truncated: false));
                    }
                }
            }

            data = newline < 0 ? ReadOnlySpan<byte>.Empty : data[(newline + 1)..];
        }
    }

    private FollowedLine Decode(bool truncated)
    {
        var span = _buffer.AsSpan(0, _length);
        if (!truncated && span.Length > 0 && span[^1] == (byte)'\r')
        {
            span = span[..^1];
        }

        _length = 0;
        try
        {
            return new FollowedLine(Strict.GetString(span), truncated, InvalidUtf8: false);
        }
        catch (DecoderFallbackException)
        {
            // A truncated line may end inside a multi-byte sequence; that is not the writer's fault.
            return new FollowedLine(Lenient.GetString(span), truncated, InvalidUtf8: !truncated || !EndsInsideSequence(span));
        }
    }

    private static bool EndsInsideSequence(ReadOnlySpan<byte> span)
    {
        for (var i = 1; i <= Math.Min(3, span.Length); i++)
        {
            var b = span[^i];
            if ((b & 0xC0) != 0x80)
            {
                // b is a lead byte (or ASCII); the sequence it starts needs this many bytes.
                var needed = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1;
                return needed > i && Lenient.GetCharCount(span[..^i]) >= 0 && IsValid(span[..^i]);
            }
        }

        return false;
    }

    private static bool IsValid(ReadOnlySpan<byte> span)
    {
        try
        {
            _ = Strict.GetCharCount(span);
            return true;
        }
        catch (DecoderFallbackException)
        {
            return false;
        }
    }
}
