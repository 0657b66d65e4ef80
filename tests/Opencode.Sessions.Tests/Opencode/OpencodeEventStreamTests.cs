using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using Opencode.Sessions.Opencode;
using Opencode.Sessions.Opencode.Events;
using static Opencode.Sessions.Tests.Opencode.SseScript;

namespace Opencode.Sessions.Tests.Opencode;

public sealed class OpencodeEventStreamTests
{
    private static OpencodeClient Client(Uri baseAddress, TimeSpan? readTimeout = null) =>
        new(new OpencodeClientOptions { BaseAddress = baseAddress, StreamReadTimeout = readTimeout ?? TimeSpan.FromSeconds(5), Directory = "/w" });

    private static SessionStreamOptions Prompting(OpencodeClient client, List<string>? log = null) => new()
    {
        OnSubscribed = async ct =>
        {
            log?.Add("prompt");
            await client.SendPromptAsync(Session, PromptRequest.FromText("hi"), ct);
        },
    };

    private static async Task<List<OpencodeEvent>> Collect(IAsyncEnumerable<OpencodeEvent> events, List<string>? log = null)
    {
        var list = new List<OpencodeEvent>();
        await foreach (var e in events)
        {
            log?.Add(e.Type);
            list.Add(e);
        }

        return list;
    }

    [Test, CancelAfter(10_000)]
    public async Task StreamSessionEventsAsync_OtherSessionsAndInvalidJson_FilteredAndEndsAtIdle(CancellationToken cancellationToken)
    {
        await using var server = Server(null, Hold(Connected, Busy("ses_other"), "data: {not json\n\n", Delta("Hi"), Delta("x", session: "ses_other"), Heartbeat, Idle("ses_other"), Idle(), Delta("late")));
        using var client = Client(server.BaseAddress);

        var events = await Collect(client.StreamSessionEventsAsync(Session, cancellationToken: cancellationToken));

        Assert.That(events.Select(e => e.Type), Is.EqualTo(new[] { "server.connected", "message.part.delta", "server.heartbeat", "session.status" }));
        Assert.That(((MessagePartDeltaEvent)events[1]).Delta, Is.EqualTo("Hi"));
        Assert.That(events[^1].IsTerminal, Is.True);
        Assert.That(server.Requests.Single().Target, Is.EqualTo("/event?directory=%2Fw"));
        Assert.That(server.Requests.Single().Header("accept"), Is.EqualTo("text/event-stream"));
    }

    [Test, CancelAfter(10_000)]
    public async Task StreamSessionEventsAsync_LegacySessionIdle_EndsStream(CancellationToken cancellationToken)
    {
        await using var server = Server(null, Hold(Connected, Delta("a"), Frame("session.idle", new JsonObject { ["sessionID"] = Session }), Delta("late")));
        using var client = Client(server.BaseAddress);

        var events = await Collect(client.StreamSessionEventsAsync(Session, cancellationToken: cancellationToken));

        Assert.That(events[^1], Is.TypeOf<SessionIdleEvent>());
    }

    [Test, CancelAfter(10_000)]
    public async Task StreamSessionEventsAsync_HeartbeatOnlyFirstConnection_PostsOnlyAfterServerConnected(CancellationToken cancellationToken)
    {
        // The first connection dies before server.connected: the prompt must wait for the reconnected stream.
        var log = new List<string>();
        await using var server = Server(null, Close(Heartbeat, Delta("stale")), Hold(Connected, Delta("Hi"), Idle()));
        using var client = Client(server.BaseAddress);

        var events = await Collect(client.StreamSessionEventsAsync(Session, Prompting(client, log), cancellationToken), log);

        Assert.That(log, Is.EqualTo(new[] { "prompt", "server.connected", "message.part.delta", "session.status" }));
        Assert.That(server.Requests.Select(r => r.Method + " " + r.Path), Is.EqualTo(new[] { "GET /event", "GET /event", "POST /session/ses_test/prompt_async" }));
    }

    [Test, CancelAfter(10_000)]
    public async Task StreamSessionEventsAsync_StreamBreaksAfterPrompt_ReconnectsWithoutReposting(CancellationToken cancellationToken)
    {
        var log = new List<string>();
        await using var server = Server(null, Close(Connected, Delta("one")), Close(Delta("before-connected"), Connected, Delta("two")), Hold(Connected, Idle()));
        using var client = Client(server.BaseAddress);

        var events = await Collect(client.StreamSessionEventsAsync(Session, Prompting(client, log), cancellationToken), log);

        Assert.That(log.Count(l => l == "prompt"), Is.EqualTo(1));
        Assert.That(events.OfType<MessagePartDeltaEvent>().Select(d => d.Delta), Is.EqualTo(new[] { "one", "two" }));
        Assert.That(server.RequestsTo("POST", "/session/ses_test/prompt_async").Count(), Is.EqualTo(1));
        Assert.That(server.RequestsTo("GET", "/event").Count(), Is.EqualTo(3));
    }

    [Test, CancelAfter(10_000)]
    public async Task StreamSessionEventsAsync_EventStreamAnswers503_ThrowsServerExceptionWithoutPosting(CancellationToken cancellationToken)
    {
        await using var server = Server(null, (response, _) => response.RespondAsync(503, """{"message":"overloaded"}"""));
        using var client = Client(server.BaseAddress);

        var error = await Assert.ThrowsAsync<OpencodeServerException>(() => Collect(client.StreamSessionEventsAsync(Session, Prompting(client), cancellationToken)));

        Assert.That(error!.Message, Does.StartWith("SSE connection failed: HTTP 503: overloaded"));
        Assert.That(server.RequestsTo("POST", "/session/ses_test/prompt_async"), Is.Empty);
        Assert.That(server.RequestsTo("GET", "/event").Count(), Is.EqualTo(1));
    }

    [Test, CancelAfter(10_000)]
    public async Task StreamSessionEventsAsync_PromptPostTimesOut_SurfacesWithoutReconnect(CancellationToken cancellationToken)
    {
        await using var server = Server(null, Hold(Connected));
        using var client = Client(server.BaseAddress);
        var calls = 0;
        var options = new SessionStreamOptions
        {
            OnSubscribed = _ =>
            {
                calls++;
                throw new OpencodeTimeoutException("OpenCode timeout after 120s: POST /session/ses_test/prompt_async");
            },
        };

        await Assert.ThrowsAsync<OpencodeTimeoutException>(() => Collect(client.StreamSessionEventsAsync(Session, options, cancellationToken)));

        Assert.That(calls, Is.EqualTo(1));
        Assert.That(server.RequestsTo("GET", "/event").Count(), Is.EqualTo(1));
    }

    [Test, CancelAfter(10_000)]
    public async Task StreamSessionEventsAsync_CallerLoopThrows_ExceptionIsNotSwallowedOrRetried(CancellationToken cancellationToken)
    {
        await using var server = Server(null, Hold(Connected, Delta("a"), Idle()));
        using var client = Client(server.BaseAddress);

        async Task Consume()
        {
            await foreach (var e in client.StreamSessionEventsAsync(Session, cancellationToken: cancellationToken))
            {
                if (e is MessagePartDeltaEvent)
                {
                    throw new InvalidOperationException("observer failed");
                }
            }
        }

        var error = await Assert.ThrowsAsync<InvalidOperationException>(Consume);
        Assert.That(error!.Message, Is.EqualTo("observer failed"));
        Assert.That(server.RequestsTo("GET", "/event").Count(), Is.EqualTo(1));
    }

    [Test, CancelAfter(10_000)]
    public async Task StreamSessionEventsAsync_OnlyHeartbeats_ThrowsStaleSession(CancellationToken cancellationToken)
    {
        await using var server = Server(null, Heartbeats(TimeSpan.FromMilliseconds(50), Connected));
        using var client = Client(server.BaseAddress);
        var options = Prompting(client) with { FirstEventTimeout = TimeSpan.FromMilliseconds(400) };

        var error = await Assert.ThrowsAsync<OpencodeStaleSessionException>(() => Collect(client.StreamSessionEventsAsync(Session, options, cancellationToken)));

        Assert.That(error!.Message, Does.StartWith("No events for session ses_test within 0.4s"));
        Assert.That(error.SessionId, Is.EqualTo(Session));
    }

    [Test, CancelAfter(10_000)]
    public async Task StreamSessionEventsAsync_ConnectionRefused_RetriesUntilStaleSession(CancellationToken cancellationToken)
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var logger = new ListLogger();
        using var client = new OpencodeClient(new OpencodeClientOptions { BaseAddress = new Uri($"http://127.0.0.1:{port}") }, logger);
        var posted = false;
        var options = new SessionStreamOptions { FirstEventTimeout = TimeSpan.FromMilliseconds(500), OnSubscribed = _ => { posted = true; return Task.CompletedTask; } };

        await Assert.ThrowsAsync<OpencodeStaleSessionException>(() => Collect(client.StreamSessionEventsAsync(Session, options, cancellationToken)));

        Assert.That(posted, Is.False);
        Assert.That(logger.Entries.Count(e => e.EventId.Id == 1421), Is.GreaterThan(1), "it retried");
    }

    [Test, CancelAfter(10_000)]
    public async Task StreamSessionEventsAsync_SessionQuietWhileHeartbeating_ThrowsIdleStream(CancellationToken cancellationToken)
    {
        await using var server = Server(null, Heartbeats(TimeSpan.FromMilliseconds(50), Connected, Delta("a")));
        using var client = Client(server.BaseAddress);
        var options = Prompting(client) with { IdleTimeout = TimeSpan.FromMilliseconds(400) };

        var error = await Assert.ThrowsAsync<OpencodeIdleStreamException>(() => Collect(client.StreamSessionEventsAsync(Session, options, cancellationToken)));

        Assert.That(error!.SessionId, Is.EqualTo(Session));
    }

    [TestCase(true)]
    [TestCase(false)]
    [CancelAfter(10_000)]
    public async Task StreamSessionEventsAsync_QuestionPendingWithLiveStream_SuspendsOverallTimeout(bool waiting, CancellationToken cancellationToken)
    {
        // Heartbeats keep arriving for 1.2 s, longer than the 500 ms overall timeout, then the session goes idle.
        await using var server = Server(null, async (response, stop) =>
        {
            await response.StartStreamAsync();
            await response.WriteAsync(Connected + Delta("asking"));
            for (var i = 0; i < 12; i++)
            {
                await Task.Delay(100, stop);
                await response.WriteAsync(Heartbeat);
            }

            await response.WriteAsync(Idle());
            await Task.Delay(Timeout.Infinite, stop);
        });
        using var client = Client(server.BaseAddress);
        var options = Prompting(client) with { Timeout = TimeSpan.FromMilliseconds(500), IsWaitingForReply = () => waiting };

        if (waiting)
        {
            var events = await Collect(client.StreamSessionEventsAsync(Session, options, cancellationToken));
            Assert.That(events[^1].IsTerminal, Is.True);
        }
        else
        {
            var error = await Assert.ThrowsAsync<OpencodeTimeoutException>(() => Collect(client.StreamSessionEventsAsync(Session, options, cancellationToken)));
            Assert.That(error!.Message, Does.StartWith("SSE stream timed out after 0.5s"));
        }
    }

    [Test, CancelAfter(10_000)]
    public async Task StreamSessionEventsAsync_QuestionPendingButStreamDead_StillTimesOut(CancellationToken cancellationToken)
    {
        // After the first connection drops, later connections send nothing at all: the wait is not suspended.
        await using var server = Server(null, Close(Connected, Delta("asking")), Hold());
        using var client = Client(server.BaseAddress, TimeSpan.FromMilliseconds(200));
        var options = Prompting(client) with { Timeout = TimeSpan.FromMilliseconds(600), IsWaitingForReply = () => true };

        await Assert.ThrowsAsync<OpencodeTimeoutException>(() => Collect(client.StreamSessionEventsAsync(Session, options, cancellationToken)));
    }

    [Test, CancelAfter(10_000)]
    public async Task StreamSessionEventsAsync_BomCrLfAndByteSplitChunks_ParsesEveryEvent(CancellationToken cancellationToken)
    {
        var text = (Connected + Delta("héllo") + ": comment\n\n" + Idle()).Replace("\n", "\r\n");
        var bytes = new byte[] { 0xEF, 0xBB, 0xBF }.Concat(Encoding.UTF8.GetBytes(text)).ToArray();
        await using var server = Server(null, async (response, stop) =>
        {
            await response.StartStreamAsync();
            foreach (var b in bytes)
            {
                await response.WriteAsync(new[] { b });
            }

            await Task.Delay(Timeout.Infinite, stop);
        });
        using var client = Client(server.BaseAddress);

        var events = await Collect(client.StreamSessionEventsAsync(Session, Prompting(client), cancellationToken));

        Assert.That(events.OfType<MessagePartDeltaEvent>().Single().Delta, Is.EqualTo("héllo"));
        Assert.That(events[^1].IsTerminal, Is.True);
    }

    [Test, CancelAfter(10_000)]
    public async Task StreamSessionEventsAsync_EventWithoutBoundaryPastLimit_ThrowsServerException(CancellationToken cancellationToken)
    {
        await using var server = Server(null, Hold(Connected, "data: " + new string('x', 5000)));
        using var client = new OpencodeClient(new OpencodeClientOptions { BaseAddress = server.BaseAddress, MaxEventBytes = 2048 });

        await Assert.ThrowsAsync<OpencodeServerException>(() => Collect(client.StreamSessionEventsAsync(Session, cancellationToken: cancellationToken)));
    }

    [Test, CancelAfter(10_000)]
    public async Task SubscribeEventsAsync_OneConnection_YieldsEverythingUntilServerCloses(CancellationToken cancellationToken)
    {
        await using var server = Server(null, Close(Connected, Delta("a", session: "ses_other"), Idle()));
        using var client = Client(server.BaseAddress);

        var events = await Collect(client.SubscribeEventsAsync(cancellationToken));

        Assert.That(events.Select(e => e.SessionId), Is.EqualTo(new[] { null, "ses_other", Session }));
    }
}
