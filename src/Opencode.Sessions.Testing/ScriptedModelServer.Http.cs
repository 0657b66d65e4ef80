using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Opencode.Sessions.Testing.Internal;

namespace Opencode.Sessions.Testing;

/// <content>The HTTP side: accepting connections, routing, and streaming the chosen reply.</content>
public sealed partial class ScriptedModelServer
{
    private const string ChatCompletionsPath = "/v1/chat/completions";

    private async Task AcceptLoopAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stopping.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                // Disposal stops the listener; a failed accept while running is retried (it is per connection).
                if (_stopping.IsCancellationRequested)
                {
                    return;
                }

                Log.ConnectionFailed(_logger, ex);
                continue;
            }

            var task = Task.Run(() => ServeConnectionAsync(client));
            lock (_connections)
            {
                // Under the same lock as the removal below, so a connection that already ended is never left behind.
                if (!task.IsCompleted)
                {
                    _connections.Add(task);
                }
            }

            _ = task.ContinueWith(
                t =>
                {
                    lock (_connections)
                    {
                        _connections.Remove(t);
                    }
                },
                CancellationToken.None,
                TaskContinuationOptions.ExecuteSynchronously,
                TaskScheduler.Default);
        }
    }

    private async Task ServeConnectionAsync(TcpClient client)
    {
        using var clientGone = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
        try
        {
            using (client)
            {
                client.NoDelay = true;
                var stream = client.GetStream();
                var reader = new HttpRequestReader(stream, _options.MaxRequestBytes);
                HttpRequestData? request;
                try
                {
                    request = await reader.ReadAsync(
                        () => stream.WriteAsync("HTTP/1.1 100 Continue\r\n\r\n"u8.ToArray(), _stopping.Token).AsTask(),
                        _stopping.Token).ConfigureAwait(false);
                }
                catch (BadHttpRequestException ex)
                {
                    Log.RequestRejected(_logger, "?", "?", ex.StatusCode, ex.Message);
                    await WriteErrorAsync(stream, ex.StatusCode, ex.Message, _stopping.Token).ConfigureAwait(false);
                    await LingeringCloseAsync(client.Client, stream).ConfigureAwait(false);
                    return;
                }

                if (request is null)
                {
                    return;
                }

                // The request is complete and the client sends nothing more: a read that ends means it went away.
                var watcher = WatchForCloseAsync(stream, clientGone);
                await HandleAsync(stream, request, clientGone.Token).ConfigureAwait(false);
                await clientGone.CancelAsync().ConfigureAwait(false);
                await watcher.ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The client went away or the server is stopping: nothing to answer.
        }
        catch (Exception ex)
        {
            Log.ConnectionFailed(_logger, ex);
        }
    }

    /// <summary>
    /// Closes our side and drains what the client still sends (for up to a second), so unread request bytes do not
    /// turn the close into a reset that would destroy the error response before the client reads it.
    /// </summary>
    private static async Task LingeringCloseAsync(Socket socket, NetworkStream stream)
    {
        socket.Shutdown(SocketShutdown.Send);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(1));
        var buffer = new byte[4096];
        while (await stream.ReadAsync(buffer, timeout.Token).ConfigureAwait(false) > 0)
        {
        }
    }

    private static async Task WatchForCloseAsync(NetworkStream stream, CancellationTokenSource clientGone)
    {
        var buffer = new byte[256];
        try
        {
            while (await stream.ReadAsync(buffer, clientGone.Token).ConfigureAwait(false) > 0)
            {
                // Bytes after a complete request (a pipelined request) are ignored: every response closes the connection.
            }
        }
        catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
        }

        await clientGone.CancelAsync().ConfigureAwait(false);
    }

    private async Task HandleAsync(NetworkStream stream, HttpRequestData http, CancellationToken cancellationToken)
    {
        if (!string.Equals(http.Path.TrimEnd('/'), ChatCompletionsPath, StringComparison.Ordinal))
        {
            Log.RequestRejected(_logger, http.Method, http.Path, 404, "unknown route");
            await WriteErrorAsync(stream, 404, $"Unknown route {http.Path}; only POST {ChatCompletionsPath} exists.", cancellationToken).ConfigureAwait(false);
            return;
        }

        if (http.Method != "POST")
        {
            Log.RequestRejected(_logger, http.Method, http.Path, 405, "method not allowed");
            await WriteErrorAsync(stream, 405, $"{http.Method} is not allowed on {ChatCompletionsPath}; use POST.", cancellationToken).ConfigureAwait(false);
            return;
        }

        var body = Encoding.UTF8.GetString(http.Body);
        JsonObject? json = null;
        try
        {
            json = JsonNode.Parse(body) as JsonObject;
        }
        catch (JsonException)
        {
        }

        var request = new ModelRequest(_options.TimeProvider.GetUtcNow(), http.Headers, body, json);
        var rejection =
            json is null ? (400, "The request body is not a JSON object.")
            : _options.RequireApiKey && !IsAuthorized(http) ? (401, "Missing or wrong API key (expected Authorization: Bearer <ApiKey>).")
            : !request.Stream ? (400, "Only streaming requests (\"stream\": true) are supported by the scripted model server.")
            : ((int Status, string Message)?)null;

        if (rejection is { } reject)
        {
            request.Source = ModelReplySource.Rejected;
            Record(request);
            Log.RequestRejected(_logger, http.Method, http.Path, reject.Status, reject.Message);
            var rejected = ScriptedReply.HttpError(reject.Status, ErrorBody(reject.Status, reject.Message));
            request.Complete(await StreamReplyAsync(stream, request, rejected, cancellationToken).ConfigureAwait(false));
            return;
        }

        (request.Reply, request.Source) = ChooseReply(request);
        Record(request);
        var outcome = await StreamReplyAsync(stream, request, request.Reply, cancellationToken).ConfigureAwait(false);
        if (outcome == ModelReplyOutcome.ClientDisconnected)
        {
            Log.ClientDisconnected(_logger, request.Sequence);
        }

        request.Complete(outcome);
    }

    private void Record(ModelRequest request)
    {
        _requests.Add(index =>
        {
            request.Sequence = index;
            return request;
        });
        if (request.ScriptExhausted)
        {
            Log.ScriptExhausted(_logger, request.Sequence, request.SessionId, request.WorkingDirectory);
        }
        else if (request.Reply is not null)
        {
            Log.RequestAnswered(_logger, request.Sequence, request.SessionId, request.Source, request.Reply.Kind);
        }
    }

    private async Task<ModelReplyOutcome> StreamReplyAsync(NetworkStream stream, ModelRequest request, ScriptedReply reply, CancellationToken cancellationToken)
    {
        try
        {
            if (reply.InitialDelay > TimeSpan.Zero)
            {
                await Task.Delay(reply.InitialDelay, cancellationToken).ConfigureAwait(false);
            }

            if (reply.Kind == ScriptedReplyKind.HttpError)
            {
                await HttpResponseWriter.WriteAsync(stream, reply.StatusCode, "application/json", reply.ErrorBody, cancellationToken).ConfigureAwait(false);
                return ModelReplyOutcome.Completed;
            }

            var created = _options.TimeProvider.GetUtcNow().ToUnixTimeSeconds();
            var writer = new SseReplyWriter(stream, NextCompletionId(), created, request.Model ?? ModelId, reply);
            await writer.WriteAsync(Math.Max(1, request.GetRawBody().Length / 4), NextCallId, cancellationToken).ConfigureAwait(false);
            return ModelReplyOutcome.Completed;
        }
        catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            return _stopping.IsCancellationRequested ? ModelReplyOutcome.ServerStopped : ModelReplyOutcome.ClientDisconnected;
        }
    }

    private bool IsAuthorized(HttpRequestData http) =>
        http.Headers.TryGetValue("Authorization", out var value) &&
        string.Equals(value, "Bearer " + _options.ApiKey, StringComparison.Ordinal);

    private static Task WriteErrorAsync(Stream stream, int status, string message, CancellationToken cancellationToken) =>
        HttpResponseWriter.WriteAsync(stream, status, "application/json", ErrorBody(status, message), cancellationToken);

    private static string ErrorBody(int status, string message) => new JsonObject
    {
        ["error"] = new JsonObject { ["message"] = message, ["type"] = status == 401 ? "authentication_error" : "invalid_request_error" },
    }.ToJsonString();
}
