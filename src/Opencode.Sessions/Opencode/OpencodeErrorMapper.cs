using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace Opencode.Sessions.Opencode;

/// <summary>Turns error statuses and transport failures into the <see cref="OpencodeClientException"/> family.</summary>
internal static class OpencodeErrorMapper
{
    private const int BodyLimit = 2000;
    private const int TextMessageLimit = 200;

    public static OpencodeClientException FromStatus(int status, string request, ReadOnlySpan<byte> body)
    {
        var text = body.IsEmpty ? null : Encoding.UTF8.GetString(body);
        var serverMessage = ExtractMessage(text);
        var truncated = text is null ? null : Truncate(text, BodyLimit);
        var nl = Environment.NewLine;
        OpencodeClientException error = status switch
        {
            404 => new OpencodeSessionNotFoundException(
                $"opencode answered 404 to {request}: {serverMessage ?? "Session not found"}{nl}" +
                "The session (or request) does not exist on this server: it was deleted, belongs to another data " +
                "directory, or the server was restarted with a fresh database. Create a new session.")
            {
                StatusCode = status, ServerMessage = serverMessage, ResponseBody = truncated, Request = request,
            },
            401 => new OpencodeBadRequestException(
                $"opencode answered 401 to {request}: {serverMessage ?? "Unauthorized"}{nl}" +
                "The server requires Basic credentials (OPENCODE_SERVER_PASSWORD is set on it): set " +
                "OpencodeClientOptions.Credentials to the same user and password.")
            {
                StatusCode = status, ServerMessage = serverMessage, ResponseBody = truncated, Request = request,
            },
            >= 400 and < 500 => new OpencodeBadRequestException(
                $"opencode answered {status} to {request}: {serverMessage ?? "Bad request"}{nl}" +
                "The server rejected the request; its schemas refuse unknown fields and ids without their prefix " +
                "(ses_, msg_, que_, per_).")
            {
                StatusCode = status, ServerMessage = serverMessage, ResponseBody = truncated, Request = request,
            },
            >= 500 and < 600 => new OpencodeServerException(
                $"opencode answered {status} to {request}: {serverMessage ?? "Server error"}{nl}" +
                "The server failed; its log (<data dir>/opencode/log/opencode.log, or stderr with --print-logs) has details.")
            {
                StatusCode = status, ServerMessage = serverMessage, ResponseBody = truncated, Request = request,
            },
            _ => new OpencodeServerException(
                $"Unexpected response: {status} to {request}{(serverMessage is null ? "" : ": " + serverMessage)}")
            {
                StatusCode = status, ServerMessage = serverMessage, ResponseBody = truncated, Request = request,
            },
        };

        return error;
    }

    public static OpencodeServerException Unparseable(string request, int status, ReadOnlySpan<byte> body, Exception cause) =>
        new($"opencode answered {status} to {request} with a body that is not valid JSON: {cause.Message}{Environment.NewLine}" +
            "Is BaseAddress pointing at an opencode server (and not at a proxy or another service)?", cause)
        {
            StatusCode = status,
            ResponseBody = Truncate(Encoding.UTF8.GetString(body), BodyLimit),
            Request = request,
        };

    public static OpencodeTimeoutException Timeout(string request, TimeSpan timeout, Exception cause) =>
        new($"OpenCode timeout after {Seconds(timeout)}s: {request} did not complete.{Environment.NewLine}" +
            "The server is overloaded or hung, or the call legitimately takes longer (a blocking message call waits " +
            "for the whole agent loop): raise OpencodeClientOptions.Timeout, or use prompt_async with the event stream.", cause)
        {
            Request = request,
            Timeout = timeout,
        };

    public static OpencodeConnectionException Connection(string request, Uri baseAddress, Exception cause)
    {
        var reason = Innermost(cause).Message;
        return new OpencodeConnectionException(
            $"OpenCode unreachable: {request} to {baseAddress.Scheme}://{baseAddress.Authority} failed: {reason}{Environment.NewLine}" +
            "Is opencode serve running and listening on that address (it prints 'opencode server listening on …')?", cause)
        {
            Request = request,
        };
    }

    /// <summary>True when a transport exception is a time-out (connect timeout, read timeout) rather than a refusal.</summary>
    public static bool IsTimeout(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is TimeoutException || e is SocketException { SocketErrorCode: SocketError.TimedOut })
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Message precedence: <c>data.message</c>, <c>message</c>, a JSON string body, else the text (≤200 chars).</summary>
    public static string? ExtractMessage(string? body)
    {
        if (string.IsNullOrWhiteSpace(body))
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            switch (root.ValueKind)
            {
                case JsonValueKind.Object:
                    if (root.TryGetProperty("data", out var data) && data.ValueKind == JsonValueKind.Object &&
                        data.TryGetProperty("message", out var dataMessage) && dataMessage.ValueKind == JsonValueKind.String)
                    {
                        return dataMessage.GetString();
                    }

                    if (root.TryGetProperty("message", out var message) && message.ValueKind == JsonValueKind.String)
                    {
                        return message.GetString();
                    }

                    return root.TryGetProperty("_tag", out var tag) && tag.ValueKind == JsonValueKind.String ? tag.GetString() : null;
                case JsonValueKind.String:
                    return root.GetString();
                default:
                    return null;
            }
        }
        catch (JsonException)
        {
            return Truncate(body.Trim(), TextMessageLimit);
        }
    }

    public static string Seconds(TimeSpan value) =>
        value.TotalSeconds.ToString(value.TotalSeconds % 1 == 0 ? "0" : "0.###", System.Globalization.CultureInfo.InvariantCulture);

    private static string Truncate(string value, int limit) => value.Length <= limit ? value : value[..limit] + "…";

    private static Exception Innermost(Exception exception)
    {
        var e = exception;
        while (e.InnerException is not null)
        {
            e = e.InnerException;
        }

        return e;
    }
}
