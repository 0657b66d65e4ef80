using System.Buffers;
using System.Text;

namespace Opencode.Sessions.Opencode;

/// <summary>
/// Incremental server-sent-events framing (WHATWG): lines end with CRLF, CR or LF (a CRLF split across chunks is
/// one terminator); a blank line ends an event; <c>:</c> lines are comments; only <c>data</c> fields are kept
/// (one space after the colon stripped, several lines joined with <c>\n</c>); a UTF-8 BOM at the start is skipped.
/// One instance per connection. Not thread-safe.
/// </summary>
internal sealed class SseParser
{
    private static readonly byte[] Bom = [0xEF, 0xBB, 0xBF];
    private readonly ArrayBufferWriter<byte> _line = new(256);
    private readonly StringBuilder _data = new();
    private readonly int _maxEventBytes;
    private bool _dataSeen;
    private bool _pendingCarriageReturn;
    private bool _atStreamStart = true;
    private long _eventBytes;

    public SseParser(int maxEventBytes)
    {
        _maxEventBytes = maxEventBytes;
    }

    /// <summary>Feeds a chunk; appends the data of every completed event to <paramref name="events"/>.</summary>
    /// <exception cref="OpencodeServerException">An event grew past the limit without a boundary.</exception>
    public void Feed(ReadOnlySpan<byte> chunk, List<string> events)
    {
        while (!chunk.IsEmpty)
        {
            if (_pendingCarriageReturn)
            {
                _pendingCarriageReturn = false;
                if (chunk[0] == (byte)'\n')
                {
                    chunk = chunk[1..];
                    continue;
                }
            }

            var end = chunk.IndexOfAny((byte)'\r', (byte)'\n');
            if (end < 0)
            {
                Append(chunk);
                return;
            }

            Append(chunk[..end]);
            _pendingCarriageReturn = chunk[end] == (byte)'\r';
            chunk = chunk[(end + 1)..];
            ProcessLine(events);
        }
    }

    private void Append(ReadOnlySpan<byte> bytes)
    {
        _eventBytes += bytes.Length;
        if (_eventBytes > _maxEventBytes)
        {
            throw new OpencodeServerException(
                $"SSE event exceeds {_maxEventBytes} bytes without an event boundary.{Environment.NewLine}" +
                "The server (or a proxy in between) is not sending server-sent events; raise OpencodeClientOptions.MaxEventBytes if events are legitimately that large.");
        }

        _line.Write(bytes);
    }

    private void ProcessLine(List<string> events)
    {
        var line = _line.WrittenSpan;
        if (_atStreamStart)
        {
            _atStreamStart = false;
            if (line.StartsWith(Bom))
            {
                line = line[Bom.Length..];
            }
        }

        if (line.IsEmpty)
        {
            Dispatch(events);
        }
        else if (line[0] != (byte)':')
        {
            var colon = line.IndexOf((byte)':');
            var field = colon < 0 ? line : line[..colon];
            if (field.SequenceEqual("data"u8))
            {
                var value = colon < 0 ? [] : line[(colon + 1)..];
                if (!value.IsEmpty && value[0] == (byte)' ')
                {
                    value = value[1..];
                }

                if (_dataSeen)
                {
                    _data.Append('\n');
                }

                _data.Append(Encoding.UTF8.GetString(value));
                _dataSeen = true;
            }
        }

        _line.ResetWrittenCount();
    }

    private void Dispatch(List<string> events)
    {
        if (_dataSeen && _data.Length > 0)
        {
            events.Add(_data.ToString());
        }

        _data.Clear();
        _dataSeen = false;
        _eventBytes = 0;
    }
}
