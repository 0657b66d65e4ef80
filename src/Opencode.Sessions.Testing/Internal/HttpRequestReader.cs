using System.Globalization;
using System.Text;

namespace Opencode.Sessions.Testing.Internal;

/// <summary>
/// Reads one HTTP/1.1 request (request line, headers, body by Content-Length or chunked encoding) from a stream.
/// Just enough HTTP for a test server on the loopback interface; limits keep a misbehaving client from exhausting memory.
/// </summary>
internal sealed class HttpRequestReader
{
    private const int MaxLineLength = 64 * 1024;
    private const int MaxHeaderCount = 200;

    private readonly Stream _stream;
    private readonly long _maxBodyBytes;
    private readonly byte[] _buffer = new byte[16 * 1024];
    private int _start;
    private int _end;

    public HttpRequestReader(Stream stream, long maxBodyBytes)
    {
        _stream = stream;
        _maxBodyBytes = maxBodyBytes;
    }

    /// <summary>Reads the next request, or returns <see langword="null"/> when the client closed before sending one.</summary>
    /// <exception cref="BadHttpRequestException">The request is malformed or too large.</exception>
    public async Task<HttpRequestData?> ReadAsync(Func<Task>? onExpectContinue, CancellationToken cancellationToken)
    {
        var requestLine = await ReadLineAsync(cancellationToken).ConfigureAwait(false);
        if (requestLine is null)
        {
            return null;
        }

        var parts = requestLine.Split(' ');
        if (parts.Length != 3 || !parts[2].StartsWith("HTTP/1.", StringComparison.Ordinal))
        {
            throw new BadHttpRequestException(400, $"malformed request line '{requestLine}'");
        }

        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        while (true)
        {
            var line = await ReadLineAsync(cancellationToken).ConfigureAwait(false)
                ?? throw new BadHttpRequestException(400, "connection closed inside the headers");
            if (line.Length == 0)
            {
                break;
            }

            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0 || headers.Count >= MaxHeaderCount)
            {
                throw new BadHttpRequestException(400, "malformed or too many headers");
            }

            var name = line[..colon].Trim();
            var value = line[(colon + 1)..].Trim();
            headers[name] = headers.TryGetValue(name, out var existing) ? existing + ", " + value : value;
        }

        if (onExpectContinue is not null && headers.TryGetValue("Expect", out var expect)
            && expect.Equals("100-continue", StringComparison.OrdinalIgnoreCase))
        {
            await onExpectContinue().ConfigureAwait(false);
        }

        var body = await ReadBodyAsync(headers, cancellationToken).ConfigureAwait(false);
        var target = parts[1];
        var query = target.IndexOf('?', StringComparison.Ordinal);
        var path = query < 0 ? target : target[..query];
        return new HttpRequestData(parts[0], path, headers, body);
    }

    private async Task<byte[]> ReadBodyAsync(Dictionary<string, string> headers, CancellationToken cancellationToken)
    {
        if (headers.TryGetValue("Transfer-Encoding", out var encoding) && encoding.Contains("chunked", StringComparison.OrdinalIgnoreCase))
        {
            using var body = new MemoryStream();
            while (true)
            {
                var sizeLine = await ReadLineAsync(cancellationToken).ConfigureAwait(false)
                    ?? throw new BadHttpRequestException(400, "connection closed inside a chunked body");
                var semicolon = sizeLine.IndexOf(';', StringComparison.Ordinal);
                var hex = (semicolon < 0 ? sizeLine : sizeLine[..semicolon]).Trim();
                if (!long.TryParse(hex, NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var size) || size < 0)
                {
                    throw new BadHttpRequestException(400, $"bad chunk size '{sizeLine}'");
                }

                if (size == 0)
                {
                    // Trailers, then the blank line that ends the message.
                    while (!string.IsNullOrEmpty(await ReadLineAsync(cancellationToken).ConfigureAwait(false)))
                    {
                    }

                    return body.ToArray();
                }

                if (size > _maxBodyBytes - body.Length)
                {
                    throw new BadHttpRequestException(413, "request body too large");
                }

                await CopyExactAsync(body, size, cancellationToken).ConfigureAwait(false);
                _ = await ReadLineAsync(cancellationToken).ConfigureAwait(false);
            }
        }

        if (!headers.TryGetValue("Content-Length", out var lengthText))
        {
            return [];
        }

        if (!long.TryParse(lengthText, NumberStyles.None, CultureInfo.InvariantCulture, out var length))
        {
            throw new BadHttpRequestException(400, $"bad Content-Length '{lengthText}'");
        }

        if (length > _maxBodyBytes)
        {
            throw new BadHttpRequestException(413, "request body too large");
        }

        using var fixedBody = new MemoryStream((int)Math.Min(length, 1024 * 1024));
        await CopyExactAsync(fixedBody, length, cancellationToken).ConfigureAwait(false);
        return fixedBody.ToArray();
    }

    private async Task CopyExactAsync(MemoryStream destination, long count, CancellationToken cancellationToken)
    {
        while (count > 0)
        {
            if (_start == _end && !await FillAsync(cancellationToken).ConfigureAwait(false))
            {
                throw new BadHttpRequestException(400, "connection closed inside the body");
            }

            var take = (int)Math.Min(count, _end - _start);
            destination.Write(_buffer, _start, take);
            _start += take;
            count -= take;
        }
    }

    private async Task<string?> ReadLineAsync(CancellationToken cancellationToken)
    {
        var line = new StringBuilder();
        while (true)
        {
            if (_start == _end && !await FillAsync(cancellationToken).ConfigureAwait(false))
            {
                return line.Length == 0 ? null : throw new BadHttpRequestException(400, "connection closed inside a line");
            }

            var span = _buffer.AsSpan(_start, _end - _start);
            var newline = span.IndexOf((byte)'\n');
            var take = newline < 0 ? span : span[..newline];
            line.Append(Encoding.Latin1.GetString(take));
            _start += newline < 0 ? take.Length : newline + 1;
            if (line.Length > MaxLineLength)
            {
                throw new BadHttpRequestException(431, "header line too long");
            }

            if (newline >= 0)
            {
                if (line.Length > 0 && line[^1] == '\r')
                {
                    line.Length--;
                }

                return line.ToString();
            }
        }
    }

    private async Task<bool> FillAsync(CancellationToken cancellationToken)
    {
        _start = 0;
        _end = await _stream.ReadAsync(_buffer, cancellationToken).ConfigureAwait(false);
        return _end > 0;
    }
}
