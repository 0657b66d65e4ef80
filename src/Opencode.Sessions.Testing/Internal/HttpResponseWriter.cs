using System.Globalization;
using System.Text;

namespace Opencode.Sessions.Testing.Internal;

/// <summary>Writes HTTP/1.1 responses: a whole response with Content-Length, or a chunked stream (for SSE).</summary>
internal static class HttpResponseWriter
{
    /// <summary>Writes a complete response and asks the client to close the connection.</summary>
    public static async Task WriteAsync(Stream stream, int status, string contentType, string body, CancellationToken cancellationToken)
    {
        var bytes = Encoding.UTF8.GetBytes(body);
        var head = $"HTTP/1.1 {status} {ReasonPhrase(status)}\r\nContent-Type: {contentType}\r\nContent-Length: {bytes.Length}\r\n" +
                   "Connection: close\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head), cancellationToken).ConfigureAwait(false);
        await stream.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
        await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Writes the head of a chunked <c>text/event-stream</c> response.</summary>
    public static async Task WriteEventStreamHeadAsync(Stream stream, CancellationToken cancellationToken)
    {
        const string head = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n" +
                            "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head), cancellationToken).ConfigureAwait(false);
        await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Writes one HTTP chunk holding <paramref name="text"/> and flushes it.</summary>
    public static async Task WriteChunkAsync(Stream stream, string text, CancellationToken cancellationToken)
    {
        var payload = Encoding.UTF8.GetBytes(text);
        var frame = new byte[payload.Length + 16];
        var prefix = Encoding.ASCII.GetBytes(payload.Length.ToString("x", CultureInfo.InvariantCulture) + "\r\n");
        prefix.CopyTo(frame, 0);
        payload.CopyTo(frame, prefix.Length);
        frame[prefix.Length + payload.Length] = (byte)'\r';
        frame[prefix.Length + payload.Length + 1] = (byte)'\n';
        await stream.WriteAsync(frame.AsMemory(0, prefix.Length + payload.Length + 2), cancellationToken).ConfigureAwait(false);
        await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Writes the last (empty) chunk that ends a chunked body.</summary>
    public static async Task WriteLastChunkAsync(Stream stream, CancellationToken cancellationToken)
    {
        await stream.WriteAsync("0\r\n\r\n"u8.ToArray(), cancellationToken).ConfigureAwait(false);
        await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Returns the standard reason phrase of a status code (or <c>Status</c> for unusual codes).</summary>
    public static string ReasonPhrase(int status) => status switch
    {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        413 => "Content Too Large",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Status",
    };
}
