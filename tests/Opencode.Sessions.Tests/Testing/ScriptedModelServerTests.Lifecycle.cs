using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using Opencode.Sessions.Testing;

namespace Opencode.Sessions.Tests.Testing;

/// <content>Disconnects, disposal, concurrency, waiting, parsing and the generated opencode config.</content>
public sealed partial class ScriptedModelServerTests
{
    [Test]
    [CancelAfter(10_000)]
    public async Task Hang_ClientDisconnects_CompletesWithClientDisconnected(CancellationToken cancellationToken)
    {
        // Arrange
        await using var server = await ScriptedModelServer.StartAsync(cancellationToken);
        server.Enqueue(ScriptedReply.Hang("partial"));
        var response = await ChatClient.OpenStreamAsync(server, ChatClient.AgentRequest(), cancellationToken);
        var request = await server.WaitForRequestAsync(_ => true, cancellationToken);
        var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        var firstBytes = new byte[64];
        Assert.That(await stream.ReadAsync(firstBytes, cancellationToken), Is.GreaterThan(0));

        // Act
        response.Dispose();

        // Assert
        Assert.That(await request.Completion.WaitAsync(cancellationToken), Is.EqualTo(ModelReplyOutcome.ClientDisconnected));
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task Slow_ClientDisconnectsMidStream_CompletesWithClientDisconnected(CancellationToken cancellationToken)
    {
        await using var server = await ScriptedModelServer.StartAsync(cancellationToken);
        server.Enqueue(ScriptedReply.Slow(new string('x', 200), TimeSpan.FromMilliseconds(20)));
        var response = await ChatClient.OpenStreamAsync(server, ChatClient.AgentRequest(), cancellationToken);
        var request = await server.WaitForRequestAsync(_ => true, cancellationToken);

        response.Dispose();

        Assert.That(await request.Completion.WaitAsync(cancellationToken), Is.EqualTo(ModelReplyOutcome.ClientDisconnected));
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task Dispose_WhileHanging_EndsStreamWithServerStopped_AndIsIdempotent(CancellationToken cancellationToken)
    {
        var server = await ScriptedModelServer.StartAsync(cancellationToken);
        server.Enqueue(ScriptedReply.Hang());
        using var response = await ChatClient.OpenStreamAsync(server, ChatClient.AgentRequest(), cancellationToken);
        var request = await server.WaitForRequestAsync(_ => true, cancellationToken);

        await server.DisposeAsync();
        await server.DisposeAsync();

        Assert.That(await request.Completion.WaitAsync(cancellationToken), Is.EqualTo(ModelReplyOutcome.ServerStopped));
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task ConcurrentRequests_AreServedWhileOthersHang(CancellationToken cancellationToken)
    {
        // Arrange
        await using var server = await ScriptedModelServer.StartAsync(cancellationToken);
        server.EnqueueForSession("ses_hang1", ScriptedReply.Hang());
        server.EnqueueForSession("ses_hang2", ScriptedReply.Hang());
        for (var i = 0; i < 5; i++)
        {
            server.EnqueueForSession("ses_" + i, ScriptedReply.Text("answer " + i).WithChunkDelay(TimeSpan.FromMilliseconds(5)));
        }

        using var hanging1 = await ChatClient.OpenStreamAsync(server, ChatClient.AgentRequest(), cancellationToken, "ses_hang1");
        using var hanging2 = await ChatClient.OpenStreamAsync(server, ChatClient.AgentRequest(), cancellationToken, "ses_hang2");

        // Act
        var answers = await Task.WhenAll(Enumerable.Range(0, 5).Select(i =>
            ChatClient.PostAsync(server, ChatClient.AgentRequest(), cancellationToken, "ses_" + i)));

        // Assert
        Assert.That(answers.Select(a => a.Content), Is.EqualTo(Enumerable.Range(0, 5).Select(i => "answer " + i)));
        Assert.That(server.Requests, Has.Count.EqualTo(7));
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task WaitForRequestAsync_WaitsForAFutureMatch(CancellationToken cancellationToken)
    {
        await using var server = await ScriptedModelServer.StartAsync(cancellationToken);
        var waiting = server.WaitForRequestAsync(r => r.SessionId == "ses_late", cancellationToken);
        await ChatClient.PostAsync(server, ChatClient.AgentRequest(), cancellationToken, "ses_early");
        Assert.That(waiting.IsCompleted, Is.False);

        await ChatClient.PostAsync(server, ChatClient.AgentRequest(), cancellationToken, "ses_late");

        Assert.That((await waiting).Sequence, Is.EqualTo(1));
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task WaitForRequestAsync_Cancelled_Throws(CancellationToken cancellationToken)
    {
        await using var server = await ScriptedModelServer.StartAsync(cancellationToken);
        using var cts = new CancellationTokenSource();
        var waiting = server.WaitForRequestAsync(_ => true, cts.Token);

        await cts.CancelAsync();

        Assert.That(async () => await waiting, Throws.InstanceOf<OperationCanceledException>());
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task Request_HistoryWithToolCallsAndArrayContent_IsParsed(CancellationToken cancellationToken)
    {
        // Arrange
        await using var server = await ScriptedModelServer.StartAsync(cancellationToken);
        var body = ChatClient.AgentRequest();
        var messages = body["messages"]!.AsArray();
        messages.Add(new JsonObject
        {
            ["role"] = "assistant",
            ["content"] = "",
            ["tool_calls"] = new JsonArray(new JsonObject
            {
                ["id"] = "call_9",
                ["type"] = "function",
                ["function"] = new JsonObject { ["name"] = "bash", ["arguments"] = """{"command":"ls"}""" },
            }),
        });
        messages.Add(new JsonObject { ["role"] = "tool", ["tool_call_id"] = "call_9", ["content"] = "(no output)" });
        messages.Add(new JsonObject
        {
            ["role"] = "user",
            ["content"] = new JsonArray(new JsonObject { ["type"] = "text", ["text"] = "part one" }, new JsonObject { ["type"] = "text", ["text"] = "part two" }),
        });

        // Act
        await ChatClient.PostAsync(server, body, cancellationToken, sessionId: "ses_parse");

        // Assert
        var request = server.Requests.Single();
        Assert.That(request.SessionId, Is.EqualTo("ses_parse"));
        Assert.That(request.Model, Is.EqualTo(ScriptedModelServer.DefaultModelId));
        Assert.That(request.Stream, Is.True);
        Assert.That(request.ToolNames, Is.EqualTo(new[] { "bash", "write" }));
        Assert.That(request.WorkingDirectory, Is.EqualTo("/work/dir"));
        Assert.That(request.IsTitleRequest, Is.False);
        Assert.That(request.Messages.Select(m => m.Role), Is.EqualTo(new[] { "system", "user", "assistant", "tool", "user" }));
        var call = request.Messages[2].ToolCalls.Single();
        Assert.That((call.Id, call.Name, call.Arguments), Is.EqualTo(("call_9", "bash", """{"command":"ls"}""")));
        Assert.That(call.ParseArguments()?["command"]?.GetValue<string>(), Is.EqualTo("ls"));
        Assert.That(request.ToolResults.Single().ToolCallId, Is.EqualTo("call_9"));
        Assert.That(request.LastUserText, Is.EqualTo("part one\npart two"));
        Assert.That(request.Headers["Authorization"], Is.EqualTo("Bearer scripted-key"));
        Assert.That(JsonNode.Parse(request.GetRawBody())!.ToJsonString(), Is.EqualTo(body.ToJsonString()));
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task CreateOpencodeConfig_PointsOpencodeAtTheServer(CancellationToken cancellationToken)
    {
        await using var server = await ScriptedModelServer.StartAsync(new ScriptedModelServerOptions { ApiKey = "k1", OutputLimit = 1000 }, cancellationToken);

        var config = server.CreateOpencodeConfig();

        var provider = config["provider"]!["scripted"]!;
        Assert.That((string?)provider["npm"], Is.EqualTo("@ai-sdk/openai-compatible"));
        Assert.That((string?)provider["options"]!["baseURL"], Is.EqualTo(server.BaseUrl.ToString()).And.EndsWith("/v1"));
        Assert.That((string?)provider["options"]!["apiKey"], Is.EqualTo("k1"));
        var model = provider["models"]!["scripted-model"]!;
        Assert.That((bool?)model["tool_call"], Is.True);
        Assert.That((int?)model["limit"]!["output"], Is.EqualTo(1000));
        Assert.That((string?)config["model"], Is.EqualTo("scripted/scripted-model").And.EqualTo(server.Model));
        Assert.That((string?)config["small_model"], Is.EqualTo(server.Model));
        Assert.That(config["enabled_providers"]!.ToJsonString(), Is.EqualTo("""["scripted"]"""));
        Assert.That((bool?)config["autoupdate"], Is.False);
        Assert.That((string?)config["share"], Is.EqualTo("disabled"));
        Assert.That((string?)config["permission"], Is.EqualTo("allow"));
        Assert.That(server.CreateOpencodeConfig(), Is.Not.SameAs(config));
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task TooLargeBody_IsAnswered413(CancellationToken cancellationToken)
    {
        await using var server = await ScriptedModelServer.StartAsync(new ScriptedModelServerOptions { MaxRequestBytes = 100 }, cancellationToken);

        var answer = await ChatClient.PostAsync(server, ChatClient.AgentRequest(new string('x', 200)), cancellationToken);

        Assert.That(answer.Status, Is.EqualTo(HttpStatusCode.RequestEntityTooLarge));
        Assert.That(server.Requests, Is.Empty);
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task MalformedRequestLine_IsAnswered400(CancellationToken cancellationToken)
    {
        await using var server = await ScriptedModelServer.StartAsync(cancellationToken);
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, server.BaseUrl.Port, cancellationToken);
        var stream = client.GetStream();

        await stream.WriteAsync("NONSENSE\r\n\r\n"u8.ToArray(), cancellationToken);
        using var reader = new StreamReader(stream, Encoding.ASCII);
        var statusLine = await reader.ReadLineAsync(cancellationToken);

        Assert.That(statusLine, Is.EqualTo("HTTP/1.1 400 Bad Request"));
    }

    [Test]
    public void StartAsync_InvalidOptions_ThrowsNamingTheField()
    {
        Assert.That(
            async () => await ScriptedModelServer.StartAsync(new ScriptedModelServerOptions { ModelId = " " }),
            Throws.ArgumentException.With.Property("ParamName").EqualTo("options.ModelId"));
    }
}
