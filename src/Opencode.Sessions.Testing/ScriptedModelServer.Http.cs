using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Opencode.Sessions.Testing.Internal;

namespace Opencode.Sessions.Testing;

/// <content>The HTTP side: routing, reading the request, and streaming the chosen reply.</content>
public sealed partial class ScriptedModelServer
{
    private const string ChatCompletionsPath = "/v1/chat/completions";

    /// <summary>Kestrel's request delegate: every request, whatever its route.</summary>
    private async Task HandleAsync(HttpContext context)
    {
        using var ending = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token, context.RequestAborted);
        try
        {
            await HandleAsync(context, ending.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or ObjectDisposedException)
        {
            // The client went away or the server is stopping: nothing to answer.
        }
        catch (Exception ex)
        {
            Log.ConnectionFailed(_logger, ex);
            throw;
        }
    }

    private async Task HandleAsync(HttpContext context, CancellationToken cancellationToken)
    {
        var http = context.Request;
        var path = http.Path.Value ?? "/";
        if (!string.Equals(path.TrimEnd('/'), ChatCompletionsPath, StringComparison.Ordinal))
        {
            Log.RequestRejected(_logger, http.Method, path, 404, "unknown route");
            await WriteErrorAsync(context.Response, 404, $"Unknown route {path}; only POST {ChatCompletionsPath} exists.", cancellationToken).ConfigureAwait(false);
            return;
        }

        if (!HttpMethods.IsPost(http.Method))
        {
            Log.RequestRejected(_logger, http.Method, path, 405, "method not allowed");
            await WriteErrorAsync(context.Response, 405, $"{http.Method} is not allowed on {ChatCompletionsPath}; use POST.", cancellationToken).ConfigureAwait(false);
            return;
        }

        string body;
        try
        {
            // Kestrel enforces MaxRequestBytes (Content-Length or chunked) while the body is read.
            using var reader = new StreamReader(http.Body, Encoding.UTF8);
            body = await reader.ReadToEndAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (BadHttpRequestException ex)
        {
            Log.RequestRejected(_logger, http.Method, path, ex.StatusCode, ex.Message);
            await WriteErrorAsync(context.Response, ex.StatusCode, ex.Message, cancellationToken).ConfigureAwait(false);
            return;
        }

        JsonObject? json = null;
        try
        {
            json = JsonNode.Parse(body) as JsonObject;
        }
        catch (JsonException)
        {
        }

        var headers = http.Headers.ToDictionary(h => h.Key, h => string.Join(", ", h.Value.ToArray()), StringComparer.OrdinalIgnoreCase);
        var request = new ModelRequest(_options.TimeProvider.GetUtcNow(), headers, body, json);
        var rejection =
            json is null ? (400, "The request body is not a JSON object.")
            : _options.RequireApiKey && !IsAuthorized(http) ? (401, "Missing or wrong API key (expected Authorization: Bearer <ApiKey>).")
            : !request.Stream ? (400, "Only streaming requests (\"stream\": true) are supported by the scripted model server.")
            : ((int Status, string Message)?)null;

        if (rejection is { } reject)
        {
            request.Source = ModelReplySource.Rejected;
            Record(request);
            Log.RequestRejected(_logger, http.Method, path, reject.Status, reject.Message);
            var rejected = ScriptedReply.HttpError(reject.Status, ErrorBody(reject.Status, reject.Message));
            request.Complete(await StreamReplyAsync(context.Response, request, rejected, cancellationToken).ConfigureAwait(false));
            return;
        }

        (request.Reply, request.Source) = ChooseReply(request);
        Record(request);
        var outcome = await StreamReplyAsync(context.Response, request, request.Reply, cancellationToken).ConfigureAwait(false);
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

    private async Task<ModelReplyOutcome> StreamReplyAsync(HttpResponse response, ModelRequest request, ScriptedReply reply, CancellationToken cancellationToken)
    {
        try
        {
            if (reply.InitialDelay > TimeSpan.Zero)
            {
                await Task.Delay(reply.InitialDelay, cancellationToken).ConfigureAwait(false);
            }

            if (reply.Kind == ScriptedReplyKind.HttpError)
            {
                await WriteJsonAsync(response, reply.StatusCode, reply.ErrorBody, cancellationToken).ConfigureAwait(false);
                return ModelReplyOutcome.Completed;
            }

            var created = _options.TimeProvider.GetUtcNow().ToUnixTimeSeconds();
            var writer = new SseReplyWriter(response, NextCompletionId(), created, request.Model ?? ModelId, reply);
            await writer.WriteAsync(Math.Max(1, request.GetRawBody().Length / 4), NextCallId, cancellationToken).ConfigureAwait(false);
            return ModelReplyOutcome.Completed;
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or ObjectDisposedException)
        {
            return _stopping.IsCancellationRequested ? ModelReplyOutcome.ServerStopped : ModelReplyOutcome.ClientDisconnected;
        }
    }

    private bool IsAuthorized(HttpRequest http) =>
        string.Equals(http.Headers.Authorization.ToString(), "Bearer " + _options.ApiKey, StringComparison.Ordinal);

    private static Task WriteErrorAsync(HttpResponse response, int status, string message, CancellationToken cancellationToken) =>
        WriteJsonAsync(response, status, ErrorBody(status, message), cancellationToken);

    private static async Task WriteJsonAsync(HttpResponse response, int status, string body, CancellationToken cancellationToken)
    {
        response.StatusCode = status;
        response.ContentType = "application/json";
        await response.WriteAsync(body, cancellationToken).ConfigureAwait(false);
    }

    private static string ErrorBody(int status, string message) => new JsonObject
    {
        ["error"] = new JsonObject { ["message"] = message, ["type"] = status == 401 ? "authentication_error" : "invalid_request_error" },
    }.ToJsonString();
}
