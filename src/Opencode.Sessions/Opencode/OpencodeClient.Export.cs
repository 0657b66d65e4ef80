using System.Text;
using System.Text.Json;

namespace Opencode.Sessions.Opencode;

/// <content>The session export, read from the live server instead of a second opencode process.</content>
public partial class OpencodeClient
{
    private static readonly byte[] ExportInfoPrefix = Encoding.UTF8.GetBytes("{\"info\":");
    private static readonly byte[] ExportMessagesPrefix = Encoding.UTF8.GetBytes(",\"messages\":");
    private static readonly byte[] ExportSuffix = Encoding.UTF8.GetBytes("}\n");

    /// <summary>
    /// Reads a session and its messages from the running server (<c>GET /session/:id</c>, <c>GET /session/:id/message</c>)
    /// and returns them as the JSON document <c>opencode export</c> writes and <c>opencode import</c> reads:
    /// <c>{"info": session, "messages": [{"info": …, "parts": […]}, …]}</c>. The server's JSON is kept verbatim (only the
    /// whitespace differs from the CLI's pretty-printed output), so nothing the typed models do not know is lost.
    /// </summary>
    /// <param name="sessionId">The session id.</param>
    /// <param name="cancellationToken">Cancels the export.</param>
    /// <returns>The UTF-8 export document.</returns>
    /// <exception cref="OpencodeSessionNotFoundException">No such session.</exception>
    /// <exception cref="OpencodeServerException">The server answered something that is not a session or a message list.</exception>
    /// <exception cref="OpencodeClientException">A call failed otherwise.</exception>
    internal async Task<byte[]> ExportSessionAsync(string sessionId, CancellationToken cancellationToken)
    {
        var path = SessionPath(sessionId);
        var (_, info, infoRequest) = await SendRawAsync(HttpMethod.Get, path, null, scoped: true, query: null, cancellationToken).ConfigureAwait(false);
        var (_, messages, messagesRequest) = await SendRawAsync(HttpMethod.Get, path + "/message", null, scoped: true, query: null, cancellationToken).ConfigureAwait(false);
        RequireExportPart(info, JsonValueKind.Object, infoRequest, sessionId);
        RequireExportPart(messages, JsonValueKind.Array, messagesRequest, null);
        var document = new byte[ExportInfoPrefix.Length + info.Length + ExportMessagesPrefix.Length + messages.Length + ExportSuffix.Length];
        var offset = 0;
        foreach (var piece in new[] { ExportInfoPrefix, info, ExportMessagesPrefix, messages, ExportSuffix })
        {
            piece.CopyTo(document, offset);
            offset += piece.Length;
        }

        return document;
    }

    /// <summary>A snapshot must never hold a truncated or foreign transcript: each half is parsed before it is kept.</summary>
    private static void RequireExportPart(byte[] body, JsonValueKind kind, string request, string? sessionId)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            if (root.ValueKind == kind
                && (sessionId is null || (root.TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.String && id.GetString() == sessionId)))
            {
                return;
            }
        }
        catch (JsonException)
        {
            // Reported below with the request it came from.
        }

        var expected = sessionId is null ? "a JSON array of messages" : $"the JSON object of session {sessionId}";
        throw new OpencodeServerException(
            $"opencode answered {request} with something other than {expected}, so the session was not exported from the live server.{Environment.NewLine}" +
            "Is BaseAddress pointing at an opencode server (and not at a proxy or another service)?")
        {
            Request = request,
        };
    }
}
