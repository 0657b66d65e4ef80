using System.Text.Json.Nodes;
using Opencode.Sessions.IntegrationTests.Infrastructure;
using Opencode.Sessions.Testing;

namespace Opencode.Sessions.IntegrationTests.Testing;

/// <summary>The scripted model server against a real opencode 1.18.33 (wire format, tool loop, titles, abort).</summary>
[TestFixture]
[NonParallelizable]
public sealed class ScriptedModelServerTests
{
    private ScriptedModelServer _model = null!;
    private OpencodeTestServer _opencode = null!;
    private TempDirectory _dirs = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        _dirs = new TempDirectory("ocs-scripted-");
        _model = await ScriptedModelServer.StartAsync(timeout.Token);
        _opencode = await OpencodeTestServer.StartAsync(_model.CreateOpencodeConfig(), _dirs.Sub("server-cwd"), timeout.Token);
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        if (_opencode is not null)
        {
            await _opencode.DisposeAsync();
        }

        if (_model is not null)
        {
            await _model.DisposeAsync();
        }

        _dirs?.Dispose();
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task Message_BashThenWriteThenText_RunsToolsAndReturnsText(CancellationToken cancellationToken)
    {
        // Arrange
        var workdir = _dirs.Sub("tools");
        var written = Path.Combine(workdir, "written.txt");
        var session = await _opencode.CreateSessionAsync(workdir, title: null, cancellationToken);
        var sessionId = session["id"]!.GetValue<string>();
        _model.EnqueueForSession(
            sessionId,
            ScriptedReply.Bash("echo hi > made.txt", "make a file"),
            ScriptedReply.Write(written, "written by the model\n"),
            ScriptedReply.Text("All done."));

        // Act
        var answer = await _opencode.SendMessageAsync(sessionId, workdir, "Please make the files.", cancellationToken);

        // Assert
        Assert.That(File.ReadAllText(Path.Combine(workdir, "made.txt")), Is.EqualTo("hi\n"), _opencode.Output);
        Assert.That(File.ReadAllText(written), Is.EqualTo("written by the model\n"));
        var texts = answer["parts"]!.AsArray().OfType<JsonObject>().Where(p => (string?)p["type"] == "text").Select(p => (string?)p["text"]);
        Assert.That(texts, Does.Contain("All done."));

        var requests = _model.Requests.Where(r => r.SessionId == sessionId).ToList();
        var agent = requests.Where(r => !r.IsTitleRequest).ToList();
        Assert.That(agent, Has.Count.EqualTo(3), string.Join("\n", requests));
        Assert.That(agent.Select(r => r.Source), Is.All.EqualTo(ModelReplySource.SessionScript));
        Assert.That(agent.Select(r => r.WorkingDirectory), Is.All.EqualTo(workdir));
        Assert.That(agent[0].ToolNames, Does.Contain("bash").And.Contain("write"));
        Assert.That(agent[0].LastUserText, Is.EqualTo("Please make the files."));
        Assert.That(agent[0].Model, Is.EqualTo(ScriptedModelServer.DefaultModelId));

        // The second request carries the assistant's tool call and the tool's result.
        var call = agent[1].Messages.Single(m => m.Role == "assistant" && m.ToolCalls.Count > 0).ToolCalls.Single();
        Assert.That(call.Name, Is.EqualTo("bash"));
        Assert.That(call.ParseArguments()?["command"]?.GetValue<string>(), Is.EqualTo("echo hi > made.txt"));
        var result = agent[1].ToolResults.Single();
        Assert.That(result.ToolCallId, Is.EqualTo(call.Id));
        Assert.That(agent[2].ToolResults.Last().Content, Does.Contain("Wrote file successfully"));

        // The title request was answered separately and consumed nothing.
        var title = requests.Single(r => r.IsTitleRequest);
        Assert.That(title.Source, Is.EqualTo(ModelReplySource.Title));
        Assert.That(title.ToolNames, Is.Empty);
        Assert.That(_model.ExhaustedRequestCount, Is.Zero);
        Assert.That(await WaitForTitleAsync(sessionId, workdir, cancellationToken), Is.EqualTo(_model.Options.TitleText));
        Assert.That(await Task.WhenAll(requests.Select(r => r.Completion)), Is.All.EqualTo(ModelReplyOutcome.Completed));
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task Message_TwoToolCallsInOneReply_RunsBoth(CancellationToken cancellationToken)
    {
        // Arrange
        var workdir = _dirs.Sub("two-calls");
        var session = await _opencode.CreateSessionAsync(workdir, title: "two calls", cancellationToken);
        var sessionId = session["id"]!.GetValue<string>();
        _model.EnqueueForSession(
            sessionId,
            ScriptedReply.ToolCalls(ScriptedToolCall.Bash("echo one > one.txt"), ScriptedToolCall.Bash("echo two > two.txt")).WithText("Running two commands."),
            ScriptedReply.Text("Both ran."));

        // Act
        await _opencode.SendMessageAsync(sessionId, workdir, "Run two commands.", cancellationToken);

        // Assert
        Assert.That(File.ReadAllText(Path.Combine(workdir, "one.txt")), Is.EqualTo("one\n"), _opencode.Output);
        Assert.That(File.ReadAllText(Path.Combine(workdir, "two.txt")), Is.EqualTo("two\n"));
        var requests = _model.Requests.Where(r => r.SessionId == sessionId).ToList();
        Assert.That(requests.Any(r => r.IsTitleRequest), Is.False, "a session created with a title gets no title request");
        Assert.That(requests, Has.Count.EqualTo(2));
        var assistant = requests[1].Messages.Single(m => m.Role == "assistant");
        Assert.That(assistant.ToolCalls.Select(c => c.Name), Is.EqualTo(new[] { "bash", "bash" }));
        Assert.That(requests[1].ToolResults.Select(m => m.ToolCallId), Is.EquivalentTo(assistant.ToolCalls.Select(c => c.Id)));
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task Message_ProtocolAgentScriptForDirectory_WritesLogLinesAndDeliverable(CancellationToken cancellationToken)
    {
        // Arrange: routed by the working directory in the system prompt, so the session id is not needed.
        var workdir = _dirs.Sub("protocol dir");
        const string content = "# Report\nIt's \"quoted\", $HOME stays literal; `no` subshell\n";
        _model.EnqueueForDirectory(
            workdir,
            ScriptedReply.LogLine("STATUS: 10% it's starting"),
            ScriptedReply.WriteDeliverable("sub/report.md", content),
            ScriptedReply.LogLine("DONE: wrote the report"),
            ScriptedReply.Text("Finished."));
        var session = await _opencode.CreateSessionAsync(workdir, title: "protocol", cancellationToken);

        // Act
        await _opencode.SendMessageAsync(session["id"]!.GetValue<string>(), workdir, "Do the task.", cancellationToken);

        // Assert
        Assert.That(File.ReadAllText(Path.Combine(workdir, "deliverables", "sub", "report.md")), Is.EqualTo(content), _opencode.Output);
        Assert.That(File.ReadAllText(Path.Combine(workdir, "optio.log")), Is.EqualTo(
            "STATUS: 10% it's starting\nDELIVERABLE: ./deliverables/sub/report.md\nDONE: wrote the report\n"));
        var requests = _model.Requests.Where(r => r.WorkingDirectory == workdir).ToList();
        Assert.That(requests.Select(r => r.Source), Is.All.EqualTo(ModelReplySource.DirectoryScript));
        Assert.That(requests, Has.Count.EqualTo(4));
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task Abort_WhileModelHangs_ClosesTheModelStream(CancellationToken cancellationToken)
    {
        // Arrange
        var workdir = _dirs.Sub("abort");
        var session = await _opencode.CreateSessionAsync(workdir, title: "abort", cancellationToken);
        var sessionId = session["id"]!.GetValue<string>();
        _model.EnqueueForSession(sessionId, ScriptedReply.Hang("Thinking"));
        await _opencode.PromptAsync(sessionId, workdir, "Take your time.", cancellationToken);
        var hanging = await _model.WaitForRequestAsync(r => r.SessionId == sessionId, cancellationToken);

        // Act
        var aborted = await _opencode.PostAsync($"session/{sessionId}/abort?directory={Uri.EscapeDataString(workdir)}", new JsonObject(), cancellationToken);

        // Assert
        Assert.That(aborted?.GetValue<bool>(), Is.True);
        Assert.That(await hanging.Completion.WaitAsync(cancellationToken), Is.EqualTo(ModelReplyOutcome.ClientDisconnected));
        Assert.That(hanging.Reply?.Kind, Is.EqualTo(ScriptedReplyKind.Hang));
    }

    private async Task<string?> WaitForTitleAsync(string sessionId, string directory, CancellationToken cancellationToken)
    {
        string? title = null;
        for (var i = 0; i < 100; i++)
        {
            var session = await _opencode.GetAsync($"session/{sessionId}?directory={Uri.EscapeDataString(directory)}", cancellationToken);
            title = (string?)session?["title"];
            if (title is not null && !title.StartsWith("New session", StringComparison.Ordinal))
            {
                return title;
            }

            await Task.Delay(100, cancellationToken);
        }

        return title;
    }
}
