using System.Text.Json.Nodes;
using Opencode.Sessions.Conversations;
using Opencode.Sessions.Opencode;
using Opencode.Sessions.Tests.Opencode;

namespace Opencode.Sessions.Tests.Conversations;

public sealed class TurnTests
{
    private static readonly TurnOptions Fast = new()
    {
        FirstEventTimeout = TimeSpan.FromSeconds(3),
        StreamTimeout = TimeSpan.FromSeconds(8),
        FinalExchangePollInterval = TimeSpan.FromMilliseconds(50),
        FinalExchangeTimeout = TimeSpan.FromSeconds(2),
        EmptyStreamRetryDelay = TimeSpan.FromMilliseconds(50),
    };

    private static (ConversationSession Session, InMemorySessionRecord Record, OpencodeClient Client) Conversation(FakeOpencodeServer fake, string? sessionId = null, TimeSpan? timeout = null)
    {
        var client = new OpencodeClient(new OpencodeClientOptions { BaseAddress = fake.Server.BaseAddress, Timeout = timeout ?? TimeSpan.FromSeconds(5) });
        var record = new InMemorySessionRecord("chat-1", sessionId);
        return (new ConversationSession(client, record), record, client);
    }

    [Test, CancelAfter(20_000)]
    public async Task RunAsync_NormalTurn_SubscribesBeforePromptAndCompletesFromExchange(CancellationToken cancellationToken)
    {
        await using var fake = new FakeOpencodeServer();
        fake.OnPrompt = (id, _) => fake.AnswerAsync(id, "Hello there");
        var (session, record, client) = Conversation(fake);
        using var _ = client;
        var observer = new RecordingObserver();
        TurnResult? finished = null;

        var result = await session.SendAsync("hi", Fast with { Observers = [observer], OnTurnFinished = (r, _) => { finished = r; return Task.CompletedTask; } }, cancellationToken);

        Assert.That(result.Status, Is.EqualTo(TurnStatus.Completed), result.Exception?.ToString());
        Assert.That((result.IsCompleted, result.IsCancelled, result.IsError, result.IsFailed), Is.EqualTo((true, false, false, false)));
        Assert.That(result.Text, Is.EqualTo("Hello there"));
        Assert.That(result.SessionCreated, Is.True);
        Assert.That(result.SessionId, Is.EqualTo(record.SessionId));
        Assert.That(result.Cost, Is.EqualTo(0.25));
        Assert.That(result.Tokens.Input, Is.EqualTo(10));
        Assert.That(result.Tokens.Cache!.Read, Is.EqualTo(1));
        Assert.That(result.Exchange, Has.Count.EqualTo(1));
        Assert.That(result.Duration, Is.GreaterThan(TimeSpan.Zero));
        Assert.That(finished, Is.SameAs(result));
        Assert.That(observer.Calls, Does.Contain("changed 0 H"));
        Assert.That(fake.Routes, Is.EqualTo(new[] { "POST /session", "GET /session/:id/message", "GET /event", "POST /session/:id/prompt_async", "GET /session/:id/message" }));
    }

    [Test, CancelAfter(20_000)]
    public async Task RunAsync_StreamDropsAfterPrompt_ReconnectsWithoutRepromptingAndCompletes(CancellationToken cancellationToken)
    {
        await using var fake = new FakeOpencodeServer();
        var id = fake.AddSession();
        fake.OnPrompt = async (sid, _) =>
        {
            await fake.BroadcastAsync(SseScript.Busy(sid));
            await fake.DropEventConnectionsAsync();
            while (fake.EventConnections < 2)
            {
                await Task.Delay(10);
            }

            await Task.Delay(50);
            await fake.AnswerAsync(sid, "Recovered");
        };
        var (session, _, client) = Conversation(fake, id);
        using var __ = client;

        var result = await session.SendAsync("hi", Fast, cancellationToken);

        Assert.That(result.Status, Is.EqualTo(TurnStatus.Completed), result.Exception?.ToString());
        Assert.That(result.Text, Is.EqualTo("Recovered"));
        Assert.That(fake.Routes, Is.EqualTo(new[] { "GET /session/:id/message", "GET /event", "POST /session/:id/prompt_async", "GET /event", "GET /session/:id/message" }));
    }

    [Test, CancelAfter(20_000)]
    public async Task RunAsync_PromptPostTimesOut_FailsWithoutRecoveryOrRepost(CancellationToken cancellationToken)
    {
        await using var fake = new FakeOpencodeServer();
        var id = fake.AddSession();
        fake.Intercept = async (request, response) =>
        {
            if (!request.Path.EndsWith("/prompt_async", StringComparison.Ordinal))
            {
                return false;
            }

            await Task.Delay(2000);
            await response.RespondAsync(204);
            return true;
        };
        var (session, record, client) = Conversation(fake, id, TimeSpan.FromMilliseconds(500));
        using var _ = client;

        var result = await session.SendAsync("hi", Fast, cancellationToken);

        Assert.That(result.Status, Is.EqualTo(TurnStatus.Failed));
        Assert.That(result.Exception, Is.TypeOf<OpencodeTimeoutException>());
        Assert.That(result.Text, Is.EqualTo(TurnOptions.DefaultFallbackText));
        Assert.That(result.SessionRecreated, Is.False);
        Assert.That(record.SessionId, Is.EqualTo(id));
        Assert.That(fake.Server.Requests.Count(r => r.Path.EndsWith("/prompt_async", StringComparison.Ordinal)), Is.EqualTo(1));
    }

    [Test, CancelAfter(20_000)]
    public async Task RunAsync_SessionDeletedUpstream_RecreatesOnceAndResends(CancellationToken cancellationToken)
    {
        await using var fake = new FakeOpencodeServer();
        fake.OnPrompt = (id, _) => fake.AnswerAsync(id, "Fresh answer");
        var (session, record, client) = Conversation(fake, "ses_gone");
        using var _ = client;

        var result = await session.SendAsync("hi", Fast, cancellationToken);

        Assert.That(result.Status, Is.EqualTo(TurnStatus.Completed), result.Exception?.ToString());
        Assert.That(result.SessionRecreated, Is.True);
        Assert.That(result.SessionId, Is.Not.EqualTo("ses_gone").And.EqualTo(record.SessionId));
        Assert.That(result.Text, Is.EqualTo("Fresh answer"));
    }

    [Test, CancelAfter(20_000)]
    public async Task RunAsync_SessionMissingTwice_FailsAfterOneRecreation(CancellationToken cancellationToken)
    {
        await using var fake = new FakeOpencodeServer();
        fake.Intercept = async (request, response) =>
        {
            if (!request.Path.EndsWith("/message", StringComparison.Ordinal))
            {
                return false;
            }

            await response.RespondAsync(404, """{"data":{"message":"Session not found"}}""");
            return true;
        };
        var (session, _, client) = Conversation(fake, "ses_gone");
        using var __ = client;

        var result = await session.SendAsync("hi", Fast, cancellationToken);

        Assert.That(result.Status, Is.EqualTo(TurnStatus.Failed));
        Assert.That(result.Exception, Is.TypeOf<OpencodeSessionNotFoundException>());
        Assert.That(fake.Server.RequestsTo("POST", "/session").Count(), Is.EqualTo(1));
    }

    [Test, CancelAfter(20_000)]
    public async Task RunAsync_NoTextButUpstreamError_ReturnsUpstreamLlmError(CancellationToken cancellationToken)
    {
        await using var fake = new FakeOpencodeServer();
        var id = fake.AddSession();
        fake.OnPrompt = async (sid, _) =>
        {
            fake.AddAssistant(sid, null, error: new JsonObject { ["name"] = "APIError", ["data"] = new JsonObject { ["message"] = "rate limited", ["statusCode"] = 429 } });
            await fake.BroadcastAsync(SseScript.Busy(sid), SseScript.Idle(sid));
        };
        var (session, _, client) = Conversation(fake, id);
        using var __ = client;

        var result = await session.SendAsync("hi", Fast, cancellationToken);

        Assert.That(result.Status, Is.EqualTo(TurnStatus.Error));
        Assert.That(result.ErrorCode, Is.EqualTo(TurnResult.UpstreamLlmError));
        Assert.That(result.UpstreamError!.StatusCode, Is.EqualTo(429));
        Assert.That(result.Text, Is.EqualTo(TurnOptions.DefaultFallbackText));
    }

    [Test, CancelAfter(20_000)]
    public async Task RunAsync_NoTextAtAll_ReturnsEmptyStreamError(CancellationToken cancellationToken)
    {
        await using var fake = new FakeOpencodeServer();
        var id = fake.AddSession();
        fake.OnPrompt = (sid, _) => fake.BroadcastAsync(SseScript.Busy(sid), SseScript.Idle(sid));
        var (session, _, client) = Conversation(fake, id);
        using var __ = client;

        var result = await session.SendAsync("hi", Fast, cancellationToken);

        Assert.That(result.Status, Is.EqualTo(TurnStatus.Error));
        Assert.That(result.ErrorCode, Is.EqualTo(TurnResult.EmptyStream));
    }

    [Test, CancelAfter(20_000)]
    public async Task RunAsync_TextArrivesOnlyAfterStreamEnds_RecoversFromExchange(CancellationToken cancellationToken)
    {
        await using var fake = new FakeOpencodeServer();
        var id = fake.AddSession();
        fake.OnPrompt = async (sid, _) =>
        {
            await fake.BroadcastAsync(SseScript.Busy(sid), SseScript.Idle(sid));
            await Task.Delay(20);
            fake.AddAssistant(sid, "late text");
        };
        var (session, _, client) = Conversation(fake, id);
        using var __ = client;

        var result = await session.SendAsync("hi", Fast with { EmptyStreamRetryDelay = TimeSpan.FromMilliseconds(300) }, cancellationToken);

        Assert.That(result.Status, Is.EqualTo(TurnStatus.Completed));
        Assert.That(result.Text, Is.EqualTo("late text"));
    }

    [Test, CancelAfter(20_000)]
    public async Task RunAsync_ToolLoopStillRunningAfterStream_PollsUntilFinalText(CancellationToken cancellationToken)
    {
        await using var fake = new FakeOpencodeServer();
        var id = fake.AddSession();
        var tool = new JsonObject
        {
            ["id"] = "prt_tool", ["type"] = "tool", ["tool"] = "bash", ["callID"] = "call_1",
            ["state"] = new JsonObject { ["status"] = "completed", ["input"] = new JsonObject { ["command"] = "ls" }, ["output"] = "a.txt" },
        };
        fake.OnPrompt = async (sid, _) =>
        {
            fake.AddAssistant(sid, null, finish: "tool-calls", completed: true, extraParts: tool);
            await fake.BroadcastAsync(SseScript.Busy(sid), SseScript.Idle(sid));
            await Task.Delay(300);
            fake.AddAssistant(sid, "Listed.");
        };
        var (session, _, client) = Conversation(fake, id);
        using var __ = client;

        var result = await session.SendAsync("hi", Fast, cancellationToken);

        Assert.That(result.Status, Is.EqualTo(TurnStatus.Completed));
        Assert.That(result.Text, Is.EqualTo("Listed."));
        Assert.That(result.ToolParts.Single().Output, Is.EqualTo("a.txt"));
        Assert.That(result.Cost, Is.EqualTo(0.5));
    }

    [Test, CancelAfter(20_000)]
    public async Task RunAsync_CallbacksThrow_TurnStillCompletedAndErrorsReported(CancellationToken cancellationToken)
    {
        await using var fake = new FakeOpencodeServer();
        fake.OnPrompt = (id, _) => fake.AnswerAsync(id, "Hi!");
        var errors = new List<ConversationErrorContext>();
        var client = new OpencodeClient(new OpencodeClientOptions { BaseAddress = fake.Server.BaseAddress });
        using var _ = client;
        var session = new ConversationSession(client, new InMemorySessionRecord("r"), new ConversationSessionOptions { OnError = errors.Add });
        var options = Fast with
        {
            OnFinalized = (_, _) => throw new InvalidOperationException("db down"),
            OnTurnFinished = (_, _) => throw new InvalidOperationException("metrics down"),
            OnActivity = _ => throw new InvalidOperationException("lease down"),
        };

        var result = await session.SendAsync("hi", options, cancellationToken);

        Assert.That(result.Status, Is.EqualTo(TurnStatus.Completed));
        Assert.That(errors.Select(e => e.Action), Is.EquivalentTo(new[] { "on_activity", "on_finalized", "on_turn_finished" }));
    }

    [Test, CancelAfter(20_000)]
    public async Task RunAsync_TokenCancelledMidStream_AbortsSessionAndReturnsCancelledWithPartialText(CancellationToken cancellationToken)
    {
        await using var fake = new FakeOpencodeServer();
        var id = fake.AddSession();
        fake.OnPrompt = (sid, _) => fake.BroadcastAsync(SseScript.Busy(sid), SseScript.Delta("Partial", "prt_live", sid));
        var (session, _, client) = Conversation(fake, id);
        using var _ = client;
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var observer = new CancelOnText(cts);

        var result = await session.SendAsync("hi", Fast with { Observers = [observer] }, cts.Token);

        Assert.That(result.Status, Is.EqualTo(TurnStatus.Cancelled));
        Assert.That(result.Text, Is.EqualTo("Partial"));
        Assert.That(fake.Server.RequestsTo("POST", $"/session/{id}/abort").Count(), Is.EqualTo(1));
    }

    [Test, CancelAfter(20_000)]
    public async Task RunAsync_SessionAbortedElsewhere_ReturnsCancelled(CancellationToken cancellationToken)
    {
        await using var fake = new FakeOpencodeServer();
        var id = fake.AddSession();
        fake.OnPrompt = async (sid, _) =>
        {
            fake.AddAssistant(sid, "Half", error: new JsonObject { ["name"] = "MessageAbortedError", ["data"] = new JsonObject { ["message"] = "Aborted" } });
            await fake.BroadcastAsync(SseScript.Busy(sid), SseScript.Delta("Half", "prt_live", sid), SseScript.Idle(sid));
        };
        var (session, _, client) = Conversation(fake, id);
        using var _ = client;

        var result = await session.SendAsync("hi", Fast, cancellationToken);

        Assert.That(result.Status, Is.EqualTo(TurnStatus.Cancelled));
        Assert.That(result.Text, Is.EqualTo("Half"));
    }

    private sealed class CancelOnText(CancellationTokenSource cts) : ReplyObserver
    {
        public override void OnPartChanged(ReplyPart part, int index, string delta) => cts.Cancel();
    }
}
