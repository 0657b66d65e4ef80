using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Opencode.Sessions.Tests.Opencode;

namespace Opencode.Sessions.Tests.Conversations;

/// <summary>
/// An in-process imitation of the opencode routes a turn uses (sessions, messages, prompt_async, abort, /event),
/// scripted per test. Events are broadcast to every open event connection.
/// </summary>
internal sealed class FakeOpencodeServer : IAsyncDisposable
{
    private const string CloseSentinel = "\u0000close";
    private readonly ConcurrentDictionary<Channel<string>, bool> _listeners = new();
    private int _sessions;
    private int _messages;

    public FakeOpencodeServer()
    {
        Server = new StubHttpServer(HandleAsync);
    }

    public StubHttpServer Server { get; }

    public ConcurrentDictionary<string, List<JsonObject>> Messages { get; } = new();

    /// <summary>Runs after a prompt was accepted (in the background): broadcast events, add messages.</summary>
    public Func<string, string, Task>? OnPrompt { get; set; }

    /// <summary>Handles a request before the default routes; return true when it answered.</summary>
    public Func<StubRequest, StubResponse, Task<bool>>? Intercept { get; set; }

    /// <summary>How many event connections have been opened.</summary>
    public int EventConnections => Server.RequestsTo("GET", "/event").Count();

    public IEnumerable<string> Routes => Server.Requests.Select(r => $"{r.Method} {System.Text.RegularExpressions.Regex.Replace(r.Path, "ses_[0-9a-z]+", ":id")}");

    public string AddSession(string? id = null)
    {
        id ??= $"ses_{Interlocked.Increment(ref _sessions):000}";
        Messages[id] = [];
        return id;
    }

    public async Task BroadcastAsync(params string[] frames)
    {
        foreach (var listener in _listeners.Keys)
        {
            foreach (var frame in frames)
            {
                await listener.Writer.WriteAsync(frame);
            }
        }
    }

    /// <summary>Closes every open event connection.</summary>
    public Task DropEventConnectionsAsync() => BroadcastAsync(CloseSentinel);

    public JsonObject AddAssistant(string sessionId, string? text, string finish = "stop", bool completed = true, JsonObject? error = null, params JsonObject[] extraParts)
    {
        var parts = new JsonArray(extraParts.Select(p => (JsonNode)p.DeepClone()).ToArray());
        if (text is not null)
        {
            parts.Add(new JsonObject { ["id"] = $"prt_{Interlocked.Increment(ref _messages)}", ["type"] = "text", ["text"] = text });
        }

        var info = new JsonObject
        {
            ["id"] = $"msg_{Interlocked.Increment(ref _messages):000}",
            ["sessionID"] = sessionId,
            ["role"] = "assistant",
            ["finish"] = finish,
            ["cost"] = 0.25,
            ["tokens"] = new JsonObject { ["input"] = 10, ["output"] = 5, ["reasoning"] = 0, ["cache"] = new JsonObject { ["read"] = 1, ["write"] = 0 } },
            ["time"] = completed ? new JsonObject { ["created"] = 1, ["completed"] = 2 } : new JsonObject { ["created"] = 1 },
        };
        if (error is not null)
        {
            info["error"] = error;
        }

        var message = new JsonObject { ["info"] = info, ["parts"] = parts };
        lock (Messages[sessionId])
        {
            Messages[sessionId].Add(message);
        }

        return message;
    }

    /// <summary>The usual end of a turn: text deltas, the message, idle.</summary>
    public async Task AnswerAsync(string sessionId, string text)
    {
        await BroadcastAsync(SseScript.Busy(sessionId), SseScript.Delta(text[..1], "prt_live", sessionId), SseScript.Delta(text[1..], "prt_live", sessionId));
        AddAssistant(sessionId, text);
        await BroadcastAsync(SseScript.Idle(sessionId));
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var listener in _listeners.Keys)
        {
            listener.Writer.TryComplete();
        }

        await Server.DisposeAsync();
    }

    private async Task HandleAsync(StubRequest request, StubResponse response, CancellationToken stop)
    {
        if (Intercept is { } intercept && await intercept(request, response))
        {
            return;
        }

        var segments = request.Path.Trim('/').Split('/');
        switch (request.Method, segments)
        {
            case ("GET", ["event"]):
                await StreamAsync(response, stop);
                break;
            case ("POST", ["session"]):
                await response.RespondAsync(200, new JsonObject { ["id"] = AddSession(), ["directory"] = "/w", ["title"] = "t" }.ToJsonString());
                break;
            case ("GET", ["session", var id, "message"]) when Messages.TryGetValue(id, out var list):
                string body;
                lock (list)
                {
                    body = new JsonArray(list.Select(m => (JsonNode)m.DeepClone()).ToArray()).ToJsonString();
                }

                await response.RespondAsync(200, body);
                break;
            case ("POST", ["session", var id, "prompt_async"]) when Messages.TryGetValue(id, out var list):
                var text = JsonNode.Parse(request.Body)!["parts"]![0]!["text"]!.GetValue<string>();
                lock (list)
                {
                    list.Add(new JsonObject
                    {
                        ["info"] = new JsonObject { ["id"] = $"msg_{Interlocked.Increment(ref _messages):000}", ["sessionID"] = id, ["role"] = "user" },
                        ["parts"] = new JsonArray(new JsonObject { ["id"] = "prt_u", ["type"] = "text", ["text"] = text }),
                    });
                }

                await response.RespondAsync(204);
                if (OnPrompt is { } onPrompt)
                {
                    _ = Task.Run(() => onPrompt(id, text), CancellationToken.None);
                }

                break;
            case ("POST", ["session", var id, "abort"]) when Messages.ContainsKey(id):
                await response.RespondAsync(200, "true");
                break;
            case ("DELETE", ["session", var id]) when Messages.TryRemove(id, out _):
                await response.RespondAsync(200, "true");
                break;
            default:
                await response.RespondAsync(404, """{"name":"NotFoundError","data":{"message":"Session not found"}}""");
                break;
        }
    }

    private async Task StreamAsync(StubResponse response, CancellationToken stop)
    {
        var channel = Channel.CreateUnbounded<string>();
        _listeners[channel] = true;
        try
        {
            await response.StartStreamAsync();
            await response.WriteAsync(SseScript.Connected);
            await foreach (var frame in channel.Reader.ReadAllAsync(stop))
            {
                if (frame == CloseSentinel)
                {
                    return;
                }

                await response.WriteAsync(frame);
            }
        }
        finally
        {
            _listeners.TryRemove(channel, out _);
        }
    }
}
