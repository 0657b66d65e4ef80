using System.Text;

namespace Opencode.Sessions.Hosting;

/// <summary>
/// Splits a byte stream into complete lines (LF terminated, a CR before the LF is dropped). Incomplete trailing bytes
/// stay buffered until more data arrives, so a line written in several pieces is emitted once, whole. Lines longer than
/// <see cref="MaxLineBytes"/> are cut: the first part is emitted with <see cref="FollowedLine.Truncated"/> set and the
/// rest up to the next newline is discarded, so memory stays bounded whatever the writer does.
/// </summary>
/// <remarks>
/// For host authors implementing <see cref="IHost.FollowFileAsync"/>: feed it the bytes read from the followed file and
/// yield the lines it completes; call <see cref="Flush"/> only when the file is replaced or the source ends. Not thread-safe.
/// </remarks>
public sealed class LineAssembler
{
    /// <summary>The line limit hosts use when following <c>optio.log</c> (1 MiB).</summary>
    public const int DefaultMaxLineBytes = 1024 * 1024;

    private static readonly UTF8Encoding Strict = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
    private static readonly UTF8Encoding Lenient = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false);

    // One byte more than the limit, so that a line of exactly MaxLineBytes followed by CR LF is still emitted whole.
    private readonly byte[] _buffer;
    private int _length;
    private bool _discarding;

    /// <summary>Initializes a new instance.</summary>
    /// <param name="maxLineBytes">The longest line, in bytes, emitted whole (at least 16).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxLineBytes"/> is less than 16.</exception>
    public LineAssembler(int maxLineBytes = DefaultMaxLineBytes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLineBytes, 16);
        MaxLineBytes = maxLineBytes;
        _buffer = new byte[maxLineBytes + 1];
    }

    /// <summary>Gets the longest line, in bytes (without its terminator), emitted whole.</summary>
    public int MaxLineBytes { get; }

    /// <summary>Gets the number of buffered bytes of the current incomplete line.</summary>
    public int Pending => _length;

    /// <summary>Feeds bytes; every line they complete is added to <paramref name="lines"/>.</summary>
    /// <param name="data">The next bytes of the stream.</param>
    /// <param name="lines">Receives the completed lines, in order.</param>
    public void Append(ReadOnlySpan<byte> data, List<FollowedLine> lines)
    {
        ArgumentNullException.ThrowIfNull(lines);
        while (!data.IsEmpty)
        {
            var newline = data.IndexOf((byte)'\n');
            var chunk = newline < 0 ? data : data[..newline];
            if (_discarding)
            {
                _discarding = newline < 0;
            }
            else if (_length + chunk.Length > _buffer.Length)
            {
                var room = Math.Max(0, MaxLineBytes - _length);
                chunk[..Math.Min(room, chunk.Length)].CopyTo(_buffer.AsSpan(_length));
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
                    lines.Add(EndLine());
                }
            }

            data = newline < 0 ? ReadOnlySpan<byte>.Empty : data[(newline + 1)..];
        }
    }

    /// <summary>
    /// Ends the current line as if a newline had arrived (used when the source ends or is replaced): buffered bytes
    /// are emitted as a line, and the remainder of a cut line is no longer being discarded.
    /// </summary>
    /// <param name="lines">Receives the pending line, if any.</param>
    public void Flush(List<FollowedLine> lines)
    {
        ArgumentNullException.ThrowIfNull(lines);
        if (_discarding)
        {
            _discarding = false;
        }
        else if (_length > 0)
        {
            lines.Add(EndLine());
        }
    }

    private FollowedLine EndLine()
    {
        if (_length > 0 && _buffer[_length - 1] == (byte)'\r')
        {
            _length--;
        }

        if (_length > MaxLineBytes)
        {
            _length = MaxLineBytes;
            return Decode(truncated: true);
        }

        return Decode(truncated: false);
    }

    private FollowedLine Decode(bool truncated)
    {
        var span = _buffer.AsSpan(0, _length);
        _length = 0;
        if (truncated)
        {
            // The cut may fall inside a multi-byte sequence; that is not the writer's fault, so drop the partial
            // sequence rather than rendering it as U+FFFD and flagging the line as invalid.
            span = span[..^IncompleteTailLength(span)];
        }

        try
        {
            return new FollowedLine(Strict.GetString(span), truncated, InvalidUtf8: false);
        }
        catch (DecoderFallbackException)
        {
            return new FollowedLine(Lenient.GetString(span), truncated, InvalidUtf8: true);
        }
    }

    /// <summary>The number of trailing bytes that start a UTF-8 sequence the span does not complete (0–3).</summary>
    private static int IncompleteTailLength(ReadOnlySpan<byte> span)
    {
        for (var i = 1; i <= Math.Min(3, span.Length); i++)
        {
            var b = span[^i];
            if ((b & 0xC0) == 0x80)
            {
                continue;
            }

            // b is ASCII or a lead byte; only C2–F4 start valid multi-byte sequences.
            var needed = b is >= 0xF0 and <= 0xF4 ? 4 : b is >= 0xE0 and <= 0xEF ? 3 : b is >= 0xC2 and <= 0xDF ? 2 : 1;
            return needed > i ? i : 0;
        }

        return 0;
    }
}
