using System.Net.Http.Headers;
using Microsoft.Extensions.Logging;
using Opencode.Sessions.Opencode.Events;

namespace Opencode.Sessions.Opencode;

/// <summary>One open <c>GET /event</c> response: reads chunks and parses them into events.</summary>
internal sealed class EventConnection : IAsyncDisposable
{
    private readonly HttpResponseMessage _response;
    private readonly Stream _stream;
    private readonly SseEventFeed _feed;
    private readonly ILogger _logger;
    private readonly byte[] _buffer = new byte[16 * 1024];
    private readonly List<string> _data = [];

    private EventConnection(HttpResponseMessage response, Stream stream, int maxEventBytes, ILogger logger)
    {
        _response = response;
        _stream = stream;
        _feed = new SseEventFeed(maxEventBytes);
        _logger = logger;
    }

    /// <summary>Opens the stream; transport failures and a time-out surface as the raw .NET exceptions.</summary>
    /// <exception cref="OpencodeServerException">The server answered a non-2xx status (not worth retrying).</exception>
    public static async Task<EventConnection> OpenAsync(OpencodeClient client, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, client.BuildUri("/event", scoped: true));
        client.Authorize(request);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        request.Headers.CacheControl = new CacheControlHeaderValue { NoCache = true };
        using var limit = new CancellationTokenSource(timeout, client.Options.TimeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, limit.Token);
        var response = await client.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, linked.Token).ConfigureAwait(false);
        try
        {
            var status = (int)response.StatusCode;
            if (status is < 200 or > 299)
            {
                var body = await ReadSomeAsync(response, linked.Token).ConfigureAwait(false);
                var message = OpencodeErrorMapper.ExtractMessage(body);
                throw new OpencodeServerException(
                    $"SSE connection failed: HTTP {status}{(message is null ? "" : ": " + message)}{Environment.NewLine}" +
                    "GET /event was refused, so no prompt was sent. Check the server, its credentials and the directory.")
                {
                    StatusCode = status,
                    ServerMessage = message,
                    ResponseBody = body,
                    Request = "GET /event",
                };
            }

            var stream = await response.Content.ReadAsStreamAsync(linked.Token).ConfigureAwait(false);
            return new EventConnection(response, stream, client.Options.MaxEventBytes, client.Logger);
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Reads one chunk and appends its complete events to <paramref name="events"/>; false at end of stream.
    /// A read time-out surfaces as <see cref="TimeoutException"/>.
    /// </summary>
    public async Task<bool> ReadAsync(List<OpencodeEvent> events, TimeSpan timeout, TimeProvider timeProvider, CancellationToken cancellationToken)
    {
        int read;
        using (var limit = new CancellationTokenSource(timeout, timeProvider))
        using (var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, limit.Token))
        {
            try
            {
                read = await _stream.ReadAsync(_buffer, linked.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"No data on the event stream for {OpencodeErrorMapper.Seconds(timeout)}s.", e);
            }
        }

        if (read == 0)
        {
            return false;
        }

        _data.Clear();
        await _feed.FeedAsync(_buffer.AsMemory(0, read), _data).ConfigureAwait(false);
        foreach (var data in _data)
        {
            if (OpencodeEventParser.TryParse(data, out var parsed))
            {
                events.Add(parsed!);
            }
            else
            {
                OpencodeClientLog.EventDropped(_logger, data.Length);
            }
        }

        return true;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _feed.DisposeAsync().ConfigureAwait(false);
        }
        finally
        {
            _stream.Dispose();
            _response.Dispose();
        }
    }

    private static async Task<string?> ReadSomeAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            return text.Length > 2000 ? text[..2000] : text;
        }
        catch (Exception e) when (e is HttpRequestException or IOException or OperationCanceledException)
        {
            return null;
        }
    }
}
