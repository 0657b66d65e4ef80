using System.Text.Json.Nodes;

namespace Opencode.Sessions.Tests.Opencode;

/// <summary>Builds SSE frames and a stub server that plays one script per <c>GET /event</c> connection.</summary>
internal static class SseScript
{
    public const string Session = "ses_test";

    public static string Frame(string type, JsonObject? properties = null) =>
        "data: " + new JsonObject { ["id"] = "evt_1", ["type"] = type, ["properties"] = properties ?? new JsonObject() }.ToJsonString() + "\n\n";

    public static string Connected => Frame("server.connected");

    public static string Heartbeat => Frame("server.heartbeat");

    public static string Idle(string session = Session) =>
        Frame("session.status", new JsonObject { ["sessionID"] = session, ["status"] = new JsonObject { ["type"] = "idle" } });

    public static string Busy(string session = Session) =>
        Frame("session.status", new JsonObject { ["sessionID"] = session, ["status"] = new JsonObject { ["type"] = "busy" } });

    public static string Delta(string text, string partId = "prt_t", string session = Session) =>
        Frame("message.part.delta", new JsonObject { ["sessionID"] = session, ["messageID"] = "msg_a", ["partID"] = partId, ["field"] = "text", ["delta"] = text });

    /// <summary>
    /// A server whose n-th event connection runs <paramref name="connections"/>[n] (the last one repeats);
    /// <c>prompt_async</c> answers 204, other requests answer <paramref name="other"/> or 404.
    /// </summary>
    public static StubHttpServer Server(Func<StubRequest, StubResponse, Task>? other, params Func<StubResponse, CancellationToken, Task>[] connections)
    {
        var count = 0;
        return new StubHttpServer(async (request, response, stop) =>
        {
            if (request.Path == "/event")
            {
                var index = Interlocked.Increment(ref count) - 1;
                await connections[Math.Min(index, connections.Length - 1)](response, stop);
            }
            else if (request.Path.EndsWith("/prompt_async", StringComparison.Ordinal))
            {
                await response.RespondAsync(204);
            }
            else if (other is not null)
            {
                await other(request, response);
            }
            else
            {
                await response.RespondAsync(404, """{"name":"NotFoundError","data":{"message":"nope"}}""");
            }
        });
    }

    /// <summary>A connection that writes the frames, then holds the connection open until the server stops.</summary>
    public static Func<StubResponse, CancellationToken, Task> Hold(params string[] frames) => async (response, stop) =>
    {
        await response.StartStreamAsync();
        foreach (var frame in frames)
        {
            await response.WriteAsync(frame);
        }

        await Task.Delay(Timeout.Infinite, stop);
    };

    /// <summary>A connection that writes the frames, then closes.</summary>
    public static Func<StubResponse, CancellationToken, Task> Close(params string[] frames) => async (response, _) =>
    {
        await response.StartStreamAsync();
        foreach (var frame in frames)
        {
            await response.WriteAsync(frame);
        }
    };

    /// <summary>A connection that sends heartbeats every <paramref name="every"/> until the server stops.</summary>
    public static Func<StubResponse, CancellationToken, Task> Heartbeats(TimeSpan every, params string[] first) => async (response, stop) =>
    {
        await response.StartStreamAsync();
        foreach (var frame in first)
        {
            await response.WriteAsync(frame);
        }

        while (!stop.IsCancellationRequested)
        {
            await Task.Delay(every, stop);
            await response.WriteAsync(Heartbeat);
        }
    };
}
