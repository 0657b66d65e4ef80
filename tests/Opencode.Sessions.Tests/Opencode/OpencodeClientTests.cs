using System.Text;
using System.Text.Json.Nodes;
using Opencode.Sessions.Opencode;

namespace Opencode.Sessions.Tests.Opencode;

public sealed class OpencodeClientTests
{
    private const string SessionJson = """{"id":"ses_abc","slug":"brave-fox","projectID":"global","directory":"/w","title":"T","version":"1.18.33","time":{"created":1,"updated":2}}""";

    private static OpencodeClient Client(StubHttpServer server, Func<OpencodeClientOptions, OpencodeClientOptions>? configure = null)
    {
        var options = new OpencodeClientOptions { BaseAddress = server.BaseAddress, Timeout = TimeSpan.FromSeconds(10) };
        return new OpencodeClient(configure?.Invoke(options) ?? options);
    }

    private static StubHttpServer Answering(int status, string? body, string contentType = "application/json") =>
        new((_, response, _) => response.RespondAsync(status, body, contentType));

    [Test, CancelAfter(10_000)]
    public async Task CreateSessionAsync_AllFields_PostsWireBodyWithScopeAndAuth(CancellationToken cancellationToken)
    {
        // Arrange
        await using var server = Answering(200, SessionJson);
        using var client = Client(server, o => o with
        {
            Credentials = new BasicAuth("opencode", "s3cret"),
            Directory = "/srv/work dir",
            Workspace = "wrk_1",
        });
        var request = new CreateSessionRequest
        {
            Title = "Chat",
            ParentId = "ses_parent",
            Agent = "build",
            Model = OpencodeModel.Parse("fake/fake-model"),
            Metadata = new JsonObject { ["record"] = 42 },
            Permission = [new PermissionRule("bash", "*", PermissionAction.Deny)],
            WorkspaceId = "wrk_1",
        };

        // Act
        var session = await client.CreateSessionAsync(request, cancellationToken);

        // Assert
        Assert.That(session.Id, Is.EqualTo("ses_abc"));
        Assert.That(session.ProjectId, Is.EqualTo("global"));
        Assert.That(session.Time!.Updated, Is.EqualTo(2));
        var sent = server.Requests.Single();
        Assert.That(sent.Method, Is.EqualTo("POST"));
        Assert.That(sent.Path, Is.EqualTo("/session"));
        Assert.That(sent.Query, Is.EqualTo("directory=%2Fsrv%2Fwork%20dir&workspace=wrk_1"));
        Assert.That(sent.Header("authorization"), Is.EqualTo("Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("opencode:s3cret"))));
        Assert.That(sent.Header("content-type"), Does.StartWith("application/json"));
        Assert.That(JsonNode.Parse(sent.Body)!.ToJsonString(), Is.EqualTo(
            """{"title":"Chat","permission":[{"permission":"bash","pattern":"*","action":"deny"}],"parentID":"ses_parent","agent":"build","model":{"providerID":"fake","id":"fake-model"},"metadata":{"record":42},"workspaceID":"wrk_1"}"""));
    }

    [Test, CancelAfter(10_000)]
    public async Task CreateSessionAsync_NoRequest_PostsEmptyObjectWithoutAuth(CancellationToken cancellationToken)
    {
        await using var server = Answering(200, SessionJson);
        using var client = Client(server);

        await client.CreateSessionAsync(cancellationToken: cancellationToken);

        var sent = server.Requests.Single();
        Assert.That(sent.Body, Is.EqualTo("{}"));
        Assert.That(sent.Query, Is.Empty);
        Assert.That(sent.Header("authorization"), Is.Null);
    }

    [Test, CancelAfter(10_000)]
    public async Task CreateSessionAsync_AnswerWithoutId_ThrowsServerException(CancellationToken cancellationToken)
    {
        await using var server = Answering(200, "{}");
        using var client = Client(server);

        await Assert.ThrowsAsync<OpencodeServerException>(() => client.CreateSessionAsync(cancellationToken: cancellationToken));
    }

    [Test, CancelAfter(10_000)]
    public async Task GetHealthAsync_WithDirectoryAndBaseQuery_KeepsBaseQueryButIsNotScoped(CancellationToken cancellationToken)
    {
        await using var server = Answering(200, """{"healthy":true,"version":"1.18.33"}""");
        using var client = Client(server, o => o with { BaseAddress = new Uri(server.BaseAddress, "/?tenant=a"), Directory = "/w" });

        var health = await client.GetHealthAsync(cancellationToken);

        Assert.That(health.Healthy, Is.True);
        Assert.That(health.Version, Is.EqualTo("1.18.33"));
        Assert.That(server.Requests.Single().Target, Is.EqualTo("/global/health?tenant=a"));
    }

    [Test, CancelAfter(10_000)]
    public async Task GetSessionAsync_BaseQueryAndDirectory_SendsBoth(CancellationToken cancellationToken)
    {
        await using var server = Answering(200, SessionJson);
        using var client = Client(server, o => o with { BaseAddress = new Uri(server.BaseAddress, "/?tenant=a"), Directory = "/w" });

        await client.GetSessionAsync("ses_abc", cancellationToken);

        Assert.That(server.Requests.Single().Target, Is.EqualTo("/session/ses_abc?tenant=a&directory=%2Fw"));
    }

    [Test, CancelAfter(10_000)]
    public async Task SendPromptAsync_ModelAndOptions_PostsPromptBodyAndAcceptsEmpty204(CancellationToken cancellationToken)
    {
        await using var server = Answering(204, null);
        using var client = Client(server);
        var request = PromptRequest.FromText("hi") with
        {
            Model = OpencodeModel.Parse("fake/fake-model"),
            Agent = "build",
            System = "Be brief.",
            Tools = new Dictionary<string, bool> { ["bash"] = false },
            NoReply = true,
        };

        await client.SendPromptAsync("ses_abc", request, cancellationToken);

        var sent = server.Requests.Single();
        Assert.That(sent.Path, Is.EqualTo("/session/ses_abc/prompt_async"));
        Assert.That(sent.Body, Is.EqualTo(
            """{"parts":[{"type":"text","text":"hi"}],"model":{"providerID":"fake","modelID":"fake-model"},"agent":"build","noReply":true,"tools":{"bash":false},"system":"Be brief."}"""));
    }

    [Test, CancelAfter(10_000)]
    public async Task SendPromptAsync_SubtaskPart_PostsStructuredPart(CancellationToken cancellationToken)
    {
        await using var server = Answering(204, null);
        using var client = Client(server);

        await client.SendPromptAsync("ses_abc", new PromptRequest { Parts = [PromptPart.Subtask("Look", "Research", "general")] }, cancellationToken);

        Assert.That(server.Requests.Single().Body, Is.EqualTo("""{"parts":[{"type":"subtask","prompt":"Look","description":"Research","agent":"general"}]}"""));
    }

    [Test, CancelAfter(10_000)]
    public async Task SendPromptAsync_NoParts_ThrowsArgumentException(CancellationToken cancellationToken)
    {
        using var client = new OpencodeClient(new OpencodeClientOptions());
        await Assert.ThrowsAsync<ArgumentException>(() => client.SendPromptAsync("ses_abc", new PromptRequest(), cancellationToken));
    }

    [Test, CancelAfter(10_000)]
    public async Task UpdateAbortDeleteAndReplies_PostExpectedRoutesAndBodies(CancellationToken cancellationToken)
    {
        await using var server = new StubHttpServer((request, response, _) =>
            response.RespondAsync(200, request.Method == "PATCH" ? SessionJson : "true"));
        using var client = Client(server);

        await client.UpdateSessionAsync("ses_abc", new UpdateSessionRequest { Permission = [new PermissionRule("*", "*", PermissionAction.Ask)] }, cancellationToken);
        Assert.That(await client.AbortSessionAsync("ses_abc", cancellationToken), Is.True);
        Assert.That(await client.DeleteSessionAsync("ses_abc", cancellationToken), Is.True);
        await client.ReplyToQuestionAsync("que_1", [["Yes"], ["A", "B"]], cancellationToken);
        await client.RejectQuestionAsync("que_2", cancellationToken);
        await client.ReplyToPermissionAsync("per_1", PermissionReply.Always, "ok", cancellationToken);

        var sent = server.Requests.Select(r => $"{r.Method} {r.Path} {r.Body}").ToArray();
        Assert.That(sent, Is.EqualTo(new[]
        {
            """PATCH /session/ses_abc {"permission":[{"permission":"*","pattern":"*","action":"ask"}]}""",
            "POST /session/ses_abc/abort {}",
            "DELETE /session/ses_abc ",
            """POST /question/que_1/reply {"answers":[["Yes"],["A","B"]]}""",
            "POST /question/que_2/reject {}",
            """POST /permission/per_1/reply {"reply":"always","message":"ok"}""",
        }));
    }

    [Test, CancelAfter(10_000)]
    public async Task ListQuestionsAsync_NonArrayAnswer_ReturnsEmpty(CancellationToken cancellationToken)
    {
        await using var server = Answering(200, """{"unexpected":true}""");
        using var client = Client(server);

        Assert.That(await client.ListQuestionsAsync(cancellationToken), Is.Empty);
    }

    [Test, CancelAfter(10_000)]
    public async Task GetSessionStatusAsync_Map_ReturnsTypedStates(CancellationToken cancellationToken)
    {
        await using var server = Answering(200, """{"ses_a":{"type":"busy"},"ses_b":{"type":"retry","attempt":2,"message":"rate limited","next":5}}""");
        using var client = Client(server);

        var status = await client.GetSessionStatusAsync(cancellationToken);

        Assert.That(status["ses_a"].Type, Is.EqualTo("busy"));
        Assert.That(status["ses_b"].Attempt, Is.EqualTo(2));
        Assert.That(status["ses_b"].Message, Is.EqualTo("rate limited"));
    }

    [Test, CancelAfter(10_000)]
    public async Task GetMessagesAsync_ToolAndTextParts_DeserializesTyped(CancellationToken cancellationToken)
    {
        const string Body = """
            [{"info":{"id":"msg_1","sessionID":"ses_abc","role":"user","time":{"created":1}},"parts":[{"id":"prt_1","type":"text","text":"hi"}]},
             {"info":{"id":"msg_2","sessionID":"ses_abc","role":"assistant","finish":"stop","cost":0.5,"time":{"created":2,"completed":3},
                      "tokens":{"total":18,"input":11,"output":7,"reasoning":0,"cache":{"read":1,"write":2}},
                      "error":{"name":"APIError","data":{"message":"boom","statusCode":429,"isRetryable":true}}},
              "parts":[{"id":"prt_2","type":"tool","callID":"call_1","tool":"bash","state":{"status":"completed","input":{"command":"ls"},"output":"x","title":"ls","metadata":{"exit":0}}},
                       {"id":"prt_3","type":"step-finish","reason":"stop","cost":0.5,"tokens":{"input":11,"output":7}}]}]
            """;
        await using var server = Answering(200, Body);
        using var client = Client(server);

        var messages = await client.GetMessagesAsync("ses_abc", cancellationToken);

        Assert.That(messages, Has.Count.EqualTo(2));
        var assistant = messages[1];
        Assert.That(assistant.Info.IsAssistant, Is.True);
        Assert.That(assistant.Info.Time!.Completed, Is.EqualTo(3));
        Assert.That(assistant.Info.Tokens!.Cache!.Write, Is.EqualTo(2));
        Assert.That(assistant.Info.Error!.ToString(), Is.EqualTo("APIError: boom"));
        Assert.That(assistant.Info.Error.StatusCode, Is.EqualTo(429));
        Assert.That(assistant.Info.Error.IsRetryable, Is.True);
        Assert.That(assistant.Parts[0].State!.Input!.Value.GetProperty("command").GetString(), Is.EqualTo("ls"));
        Assert.That(assistant.Parts[1].Tokens!.Output, Is.EqualTo(7));
    }
}
