using System.Net;
using System.Text.Json.Nodes;
using Opencode.Sessions.Testing;

namespace Opencode.Sessions.Tests.Testing;

[TestFixture]
public sealed partial class ScriptedModelServerTests
{
    [Test]
    [CancelAfter(10_000)]
    public async Task Text_Streamed_FramesRoleContentFinishUsageAndDone(CancellationToken cancellationToken)
    {
        // Arrange
        await using var server = await ScriptedModelServer.StartAsync(cancellationToken);
        server.Enqueue(ScriptedReply.Text("Hello there, this is a longer answer.", chunkSize: 5));

        // Act
        var answer = await ChatClient.PostAsync(server, ChatClient.AgentRequest(), cancellationToken);

        // Assert
        Assert.That(answer.Status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(answer.MediaType, Is.EqualTo("text/event-stream"));
        Assert.That(answer.Body, Does.EndWith("data: [DONE]\n\n"));
        Assert.That(answer.Data[^1], Is.EqualTo("[DONE]"));
        var chunks = answer.Chunks;
        Assert.That(chunks.Select(c => (string?)c["object"]), Is.All.EqualTo("chat.completion.chunk"));
        Assert.That(chunks.Select(c => (string?)c["id"]).Distinct().Count(), Is.EqualTo(1));
        Assert.That(chunks[0]["choices"]![0]!["delta"]!.ToJsonString(), Is.EqualTo("""{"role":"assistant","content":""}"""));
        Assert.That(chunks.Skip(1).SkipLast(1).Select(c => ((string?)c["choices"]![0]!["delta"]!["content"])!.Length), Is.All.LessThanOrEqualTo(5));
        Assert.That(answer.Content, Is.EqualTo("Hello there, this is a longer answer."));
        var finish = chunks[^1];
        Assert.That(finish["choices"]![0]!["delta"]!.ToJsonString(), Is.EqualTo("{}"));
        Assert.That((string?)finish["choices"]![0]!["finish_reason"], Is.EqualTo("stop"));
        Assert.That(chunks.SkipLast(1).All(c => c["choices"]![0]!["finish_reason"] is null), Is.True);
        var usage = finish["usage"]!;
        Assert.That((int)usage["total_tokens"]!, Is.EqualTo((int)usage["prompt_tokens"]! + (int)usage["completion_tokens"]!));
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task ToolCalls_TwoCalls_StreamIdAndNameThenArgumentFragments(CancellationToken cancellationToken)
    {
        // Arrange
        await using var server = await ScriptedModelServer.StartAsync(cancellationToken);
        server.Enqueue(ScriptedReply.ToolCalls(
            ScriptedToolCall.Bash("echo hi > made.txt", "make"),
            ScriptedToolCall.Write("/abs/done.txt", "DONE\n") with { Id = "call_custom" }).WithChunkSize(7).WithText("Working."));

        // Act
        var answer = await ChatClient.PostAsync(server, ChatClient.AgentRequest(), cancellationToken);

        // Assert
        Assert.That(answer.Content, Is.EqualTo("Working."));
        Assert.That(answer.FinishReason, Is.EqualTo("tool_calls"));
        var calls = answer.Deltas.Where(d => d["tool_calls"] is not null).Select(d => (JsonObject)d["tool_calls"]![0]!).ToList();
        var heads = calls.Where(c => c["id"] is not null).ToList();
        Assert.That(heads.Select(h => (int)h["index"]!), Is.EqualTo(new[] { 0, 1 }));
        Assert.That(heads.Select(h => (string?)h["function"]!["name"]), Is.EqualTo(new[] { "bash", "write" }));
        Assert.That(heads.Select(h => (string?)h["type"]), Is.All.EqualTo("function"));
        Assert.That(heads.Select(h => (string?)h["function"]!["arguments"]), Is.All.EqualTo(""));
        Assert.That((string?)heads[0]["id"], Does.StartWith("call_"));
        Assert.That((string?)heads[1]["id"], Is.EqualTo("call_custom"));
        string Arguments(int index) => string.Concat(calls.Where(c => (int)c["index"]! == index).Select(c => (string?)c["function"]!["arguments"]));
        Assert.That(JsonNode.DeepEquals(JsonNode.Parse(Arguments(0)), JsonNode.Parse("""{"command":"echo hi > made.txt","description":"make"}""")), Is.True, Arguments(0));
        Assert.That(JsonNode.DeepEquals(JsonNode.Parse(Arguments(1)), JsonNode.Parse("""{"filePath":"/abs/done.txt","content":"DONE\n"}""")), Is.True, Arguments(1));
        Assert.That(calls.Where(c => c["id"] is null).Select(c => ((string?)c["function"]!["arguments"])!.Length), Is.All.LessThanOrEqualTo(7));
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task Text_SurrogatePairsWithChunkSizeOne_AreNeverSplit(CancellationToken cancellationToken)
    {
        await using var server = await ScriptedModelServer.StartAsync(cancellationToken);
        server.Enqueue(ScriptedReply.Text("a😀b", chunkSize: 1));

        var answer = await ChatClient.PostAsync(server, ChatClient.AgentRequest(), cancellationToken);

        Assert.That(answer.Deltas.Select(d => (string?)d["content"]).Where(c => !string.IsNullOrEmpty(c)), Is.EqualTo(new[] { "a", "😀", "b" }));
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task TitleRequest_AnsweredWithTitleText_ConsumesNoScript(CancellationToken cancellationToken)
    {
        await using var server = await ScriptedModelServer.StartAsync(cancellationToken);
        server.Enqueue(ScriptedReply.Text("agent answer"));

        var answer = await ChatClient.PostAsync(server, ChatClient.TitleRequest(), cancellationToken, sessionId: "ses_1");

        Assert.That(answer.Content, Is.EqualTo("Scripted session"));
        Assert.That(answer.FinishReason, Is.EqualTo("stop"));
        Assert.That(server.PendingReplyCount, Is.EqualTo(1));
        var request = server.Requests.Single();
        Assert.That(request.IsTitleRequest, Is.True);
        Assert.That(request.Source, Is.EqualTo(ModelReplySource.Title));
        Assert.That(request.WorkingDirectory, Is.Null);
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task ExhaustedScript_AnswersFallbackText_AndMarksRequest(CancellationToken cancellationToken)
    {
        await using var server = await ScriptedModelServer.StartAsync(new ScriptedModelServerOptions { FallbackText = "nothing left" }, cancellationToken);

        var answer = await ChatClient.PostAsync(server, ChatClient.AgentRequest(), cancellationToken);

        Assert.That(answer.Content, Is.EqualTo("nothing left"));
        Assert.That(server.Requests.Single().ScriptExhausted, Is.True);
        Assert.That(server.ExhaustedRequestCount, Is.EqualTo(1));
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task Scripts_ChosenBySessionThenDirectoryThenDefault(CancellationToken cancellationToken)
    {
        // Arrange
        await using var server = await ScriptedModelServer.StartAsync(cancellationToken);
        server.Enqueue(ScriptedReply.Text("default"));
        server.EnqueueForSession("ses_a", ScriptedReply.Text("session a"));
        server.EnqueueForDirectory("/work/dir/", ScriptedReply.Text("directory"));
        var elsewhere = ChatClient.SystemPrompt.Replace("/work/dir", "/other", StringComparison.Ordinal);

        // Act
        var bySession = await ChatClient.PostAsync(server, ChatClient.AgentRequest(), cancellationToken, sessionId: "ses_a");
        var byDirectory = await ChatClient.PostAsync(server, ChatClient.AgentRequest(), cancellationToken, sessionId: "ses_b");
        var byDefault = await ChatClient.PostAsync(server, ChatClient.AgentRequest(systemPrompt: elsewhere), cancellationToken, sessionId: "ses_c");
        var sessionExhausted = await ChatClient.PostAsync(server, ChatClient.AgentRequest(), cancellationToken, sessionId: "ses_a");

        // Assert
        Assert.That(
            new[] { bySession.Content, byDirectory.Content, byDefault.Content, sessionExhausted.Content },
            Is.EqualTo(new[] { "session a", "directory", "default", "(script exhausted)" }));
        Assert.That(server.Requests.Select(r => r.Source), Is.EqualTo(new[]
        {
            ModelReplySource.SessionScript, ModelReplySource.DirectoryScript, ModelReplySource.DefaultScript, ModelReplySource.ScriptExhausted,
        }));
        Assert.That(server.Requests.Select(r => r.Sequence), Is.EqualTo(new[] { 0, 1, 2, 3 }));
        Assert.That(server.PendingReplyCount, Is.Zero);
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task Responder_ReplyWins_NullFallsThrough_ThrowBecomes500(CancellationToken cancellationToken)
    {
        // Arrange
        var options = new ScriptedModelServerOptions
        {
            Responder = r => r.LastUserText switch
            {
                "dynamic" => ScriptedReply.Text("from responder in " + r.WorkingDirectory),
                "boom" => throw new InvalidOperationException("boom"),
                _ => null,
            },
        };
        await using var server = await ScriptedModelServer.StartAsync(options, cancellationToken);
        server.Enqueue(ScriptedReply.Text("scripted"));

        // Act
        var dynamic = await ChatClient.PostAsync(server, ChatClient.AgentRequest("dynamic"), cancellationToken);
        var scripted = await ChatClient.PostAsync(server, ChatClient.AgentRequest("other"), cancellationToken);
        var failed = await ChatClient.PostAsync(server, ChatClient.AgentRequest("boom"), cancellationToken);

        // Assert
        Assert.That(dynamic.Content, Is.EqualTo("from responder in /work/dir"));
        Assert.That(scripted.Content, Is.EqualTo("scripted"));
        Assert.That(failed.Status, Is.EqualTo(HttpStatusCode.InternalServerError));
        Assert.That(failed.Body, Does.Contain("boom"));
        Assert.That(server.Requests.Select(r => r.Source), Is.EqualTo(new[] { ModelReplySource.Responder, ModelReplySource.DefaultScript, ModelReplySource.Responder }));
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task HttpError_AnswersStatusAndBody(CancellationToken cancellationToken)
    {
        await using var server = await ScriptedModelServer.StartAsync(cancellationToken);
        server.Enqueue(ScriptedReply.HttpError(429, """{"error":{"message":"slow down"}}"""));

        var answer = await ChatClient.PostAsync(server, ChatClient.AgentRequest(), cancellationToken);

        Assert.That(answer.Status, Is.EqualTo(HttpStatusCode.TooManyRequests));
        Assert.That(answer.Body, Is.EqualTo("""{"error":{"message":"slow down"}}"""));
        Assert.That(await server.Requests.Single().Completion, Is.EqualTo(ModelReplyOutcome.Completed));
    }

    [TestCase(false, "scripted-key", HttpStatusCode.BadRequest)]
    [TestCase(true, "wrong-key", HttpStatusCode.Unauthorized)]
    public async Task InvalidRequest_IsRejectedAndRecorded(bool stream, string apiKey, HttpStatusCode expected)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await using var server = await ScriptedModelServer.StartAsync(timeout.Token);
        server.Enqueue(ScriptedReply.Text("unused"));
        var body = ChatClient.AgentRequest();
        body["stream"] = stream;

        using var response = await ChatClient.SendRawAsync(ChatClient.Message(server, body, apiKey: apiKey), timeout.Token);

        Assert.That(response.StatusCode, Is.EqualTo(expected));
        Assert.That(server.Requests.Single().Source, Is.EqualTo(ModelReplySource.Rejected));
        Assert.That(server.PendingReplyCount, Is.EqualTo(1));
    }

    [TestCase("GET", "/v1/chat/completions", HttpStatusCode.MethodNotAllowed)]
    [TestCase("GET", "/v1/models", HttpStatusCode.NotFound)]
    [TestCase("POST", "/other", HttpStatusCode.NotFound)]
    public async Task OtherRoutes_AreAnsweredWithErrors_AndNotRecorded(string method, string path, HttpStatusCode expected)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await using var server = await ScriptedModelServer.StartAsync(timeout.Token);
        var url = new Uri(server.BaseUrl, path);

        using var response = await ChatClient.SendRawAsync(new HttpRequestMessage(new HttpMethod(method), url), timeout.Token);

        Assert.That(response.StatusCode, Is.EqualTo(expected));
        Assert.That(server.Requests, Is.Empty);
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task ChunkedRequestBody_IsAccepted(CancellationToken cancellationToken)
    {
        await using var server = await ScriptedModelServer.StartAsync(cancellationToken);
        server.Enqueue(ScriptedReply.Text("ok"));
        using var request = ChatClient.Message(server, ChatClient.AgentRequest("chunked body"));
        var bytes = await request.Content!.ReadAsByteArrayAsync(cancellationToken);
        request.Content = new StreamContent(new MemoryStream(bytes));
        request.Headers.TransferEncodingChunked = true;

        using var response = await ChatClient.SendRawAsync(request, cancellationToken);

        Assert.That(await response.Content.ReadAsStringAsync(cancellationToken), Does.Contain("\"ok\""));
        Assert.That(server.Requests.Single().LastUserText, Is.EqualTo("chunked body"));
    }
}
