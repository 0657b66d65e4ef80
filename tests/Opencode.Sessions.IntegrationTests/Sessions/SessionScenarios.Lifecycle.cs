using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Opencode.Sessions.Snapshots;
using Opencode.Sessions.Testing;

namespace Opencode.Sessions.IntegrationTests.Sessions;

/// <content>How a session ends: DONE, ERROR, a killed opencode, cancellation; the widget; concurrent sessions.</content>
public abstract partial class SessionScenarios
{
    [Test]
    [CancelAfter(OneSessionTimeout)]
    public async Task ExecuteAsync_AgentFollowsTheProtocol_ReportsProgressDeliversExactTextAndWipesTheTaskDirectory(CancellationToken cancellationToken)
    {
        // Arrange
        const string Report = "# Report\n\nThe answer is 42 — «ünïcödé» ✓\n\tan indented line, 'quotes' and \"double quotes\" $HOME\n";
        var processId = NewProcessId("happy");
        Script(
            processId,
            ScriptedReply.LogLine("STATUS: 10% reading the task"),
            ScriptedReply.WriteDeliverable("sub/report.md", Report),
            ScriptedReply.LogLine("STATUS: 100% report written"),
            ScriptedReply.LogLine("DONE: wrote the report"),
            ScriptedReply.Text("Finished."));
        var received = new List<Deliverable>();
        var context = NewContext(processId);
        var config = CreateConfig(supportsResume: false) with { OnDeliverable = CollectInto(received) };

        // Act
        await OpencodeTaskFactory.Create(processId, "happy path", config).ExecuteAsync(context, cancellationToken);

        // Assert
        var why = Describe(context, processId);
        Assert.That(context.Progress, Does.Contain(new ProgressEntry(10, "reading the task")), why);
        Assert.That(context.Progress, Does.Contain(new ProgressEntry(100, "report written")), why);
        Assert.That(context.Messages, Does.Contain("Deliverable: sub/report.md").And.Contain("wrote the report"), why);
        Assert.That(received, Has.Count.EqualTo(1), why);
        Assert.That(received[0].RelativePath, Is.EqualTo("sub/report.md"));
        Assert.That(received[0].Text, Is.EqualTo(Report));
        Assert.That(received[0].HostPath, Is.EqualTo(WorkDirectoryOf(processId) + "/deliverables/sub/report.md"));
        Assert.That(AgentRequestsOf(processId).Where(r => r.ScriptExhausted), Is.Empty, "the agent never ran out of script");
        Assert.That(await ExistsOnHostAsync(TaskDirectoryOf(processId), cancellationToken), Is.False, "the task directory is wiped");
        Assert.That(await Store.ListAsync(processId, cancellationToken), Is.Empty, "no snapshot without SupportsResume");
        Assert.That(context.SavedStateMarks, Is.Zero);
    }

    [Test]
    [CancelAfter(OneSessionTimeout)]
    public async Task ExecuteAsync_SessionIsLive_WidgetPointsAtThePreCreatedSessionBehindBasicAuth(CancellationToken cancellationToken)
    {
        // Arrange: the deliverable callback runs while opencode is live, so it can look at the server the widget names.
        var processId = NewProcessId("widget");
        Script(processId, ScriptedReply.WriteDeliverable("probe.md", "probe"), ScriptedReply.LogLine("DONE"), ScriptedReply.Text("ok"));
        var context = NewContext(processId);
        (HttpStatusCode Status, JsonObject? Session, HttpStatusCode Anonymous)? live = null;
        var config = CreateConfig(supportsResume: false) with
        {
            OnDeliverable = async (_, _, ct) => live = await ProbeWidgetSessionAsync(context, ct),
        };

        // Act
        await OpencodeTaskFactory.Create(processId, "widget", config).ExecuteAsync(context, cancellationToken);

        // Assert
        var upstream = context.WidgetUpstream!;
        Assert.That(context.WidgetUpstreamCount, Is.EqualTo(1));
        Assert.That(upstream.Scheme + "://" + upstream.Host, Is.EqualTo("http://127.0.0.1"));
        Assert.That(upstream.Port, Is.InRange(1024, 65535));
        Assert.That(context.WidgetUpstreamAuth!.Username, Is.EqualTo("opencode"));
        Assert.That(context.WidgetUpstreamAuth.Password, Has.Length.GreaterThan(16));

        Assert.That(context.WidgetDataHistory, Has.Count.EqualTo(1));
        var data = context.WidgetData!;
        Assert.That(data.IframeSrc, Does.StartWith(WidgetData.ProxyUrlPlaceholder));
        var route = data.IframeSrc[WidgetData.ProxyUrlPlaceholder.Length..].Split('/');
        Assert.That(route, Has.Length.EqualTo(3));
        Assert.That(DecodeDirectory(route[0]), Is.EqualTo(WorkDirectoryOf(processId)));
        Assert.That(route[1], Is.EqualTo("session"));
        Assert.That(route[2], Does.StartWith("ses_"));
        Assert.That(data.LocalStorageOverrides, Does.ContainValue(WidgetData.ProxyUrlPlaceholder));

        Assert.That(live, Is.Not.Null, "the deliverable callback ran while the session was live");
        Assert.That(live!.Value.Status, Is.EqualTo(HttpStatusCode.OK), "GET /session/:id with the widget's credentials");
        Assert.That((string?)live.Value.Session?["id"], Is.EqualTo(route[2]));
        Assert.That((string?)live.Value.Session?["directory"], Is.EqualTo(WorkDirectoryOf(processId)));
        Assert.That(live.Value.Anonymous, Is.EqualTo(HttpStatusCode.Unauthorized), "the server refuses requests without the password");
        Assert.That(AgentRequestsOf(processId).Select(r => r.SessionId), Has.All.EqualTo(route[2]), "the agent works in the pre-created session");
    }

    [Test]
    [CancelAfter(OneSessionTimeout)]
    public async Task ExecuteAsync_AgentWritesError_ThrowsAgentReportedErrorAfterRunningAfterExecuteAndSnapshotsFailed(CancellationToken cancellationToken)
    {
        // Arrange
        var processId = NewProcessId("error");
        Script(
            processId,
            ScriptedReply.LogLine("STATUS: 10% connecting"),
            ScriptedReply.LogLine("ERROR: auth failed for the data source"),
            ScriptedReply.Text("I cannot continue."));
        var context = NewContext(processId);
        int? serversDuringAfterExecute = null;
        var config = CreateConfig(supportsResume: true) with
        {
            AfterExecute = (_, _) =>
            {
                serversDuringAfterExecute = OpencodeServersOf(processId).Count;
                return Task.CompletedTask;
            },
        };

        // Act
        var error = await CatchAsync(() => OpencodeTaskFactory.Create(processId, "error", config).ExecuteAsync(context, cancellationToken));

        // Assert
        Assert.That(error, Is.TypeOf<AgentReportedErrorException>(), Describe(context, processId));
        Assert.That(((AgentReportedErrorException)error!).AgentMessage, Is.EqualTo("auth failed for the data source"));
        Assert.That(error.Message, Does.Contain("auth failed for the data source"));
        Assert.That(context.Progress, Does.Contain(new ProgressEntry(10, "connecting")));
        Assert.That(serversDuringAfterExecute, Is.EqualTo(0), "AfterExecute ran, after opencode was stopped");
        await AssertSnapshotSavedAndTaskDirectoryWipedAsync(processId, context, [SnapshotEndState.Failed], cancellationToken);
    }

    [Test]
    [CancelAfter(OneSessionTimeout)]
    public async Task ExecuteAsync_OpencodeKilledMidSession_ThrowsOpencodeExitedNamingThePrematureExit(CancellationToken cancellationToken)
    {
        // Arrange: the model hangs mid-answer, then opencode's whole process group is SIGKILLed from outside.
        var processId = NewProcessId("killed");
        var context = NewContext(processId);
        var run = await StartHangingSessionAsync(processId, CreateConfig(supportsResume: false), context, cancellationToken, cancellationToken);

        // Act
        await KillOpencodeAsync(processId, cancellationToken);
        var error = await CatchAsync(() => run);

        // Assert
        Assert.That(error, Is.TypeOf<OpencodeExitedException>(), Describe(context, processId));
        var exited = (OpencodeExitedException)error!;
        Assert.That(exited.ExitCode, Is.EqualTo(137), "128 + SIGKILL");
        Assert.That(exited.Message, Does.Contain("exited prematurely").And.Contain("killed by signal 9").And.Contain("before the agent wrote DONE"));
        AssertLeftoverProcessesStopped(context, processId);
        Assert.That(await ExistsOnHostAsync(TaskDirectoryOf(processId), cancellationToken), Is.False, "the task directory is wiped");
    }

    [Test]
    [CancelAfter(OneSessionTimeout)]
    public async Task ExecuteAsync_CancelledMidSession_ThrowsOperationCanceledWithin10SecondsAndSnapshotsCancelled(CancellationToken cancellationToken)
    {
        // Arrange
        var processId = NewProcessId("cancel");
        var context = NewContext(processId);
        using var cancellation = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var run = await StartHangingSessionAsync(processId, CreateConfig(supportsResume: true), context, cancellation.Token, cancellationToken);

        // Act
        var clock = Stopwatch.StartNew();
        await cancellation.CancelAsync();
        var error = await CatchAsync(() => run);
        clock.Stop();
        TestContext.Out.WriteLine($"cancellation took {clock.ElapsedMilliseconds} ms (kill, snapshot, wipe)");

        // Assert
        Assert.That(error, Is.InstanceOf<OperationCanceledException>(), Describe(context, processId));
        Assert.That(((OperationCanceledException)error!).CancellationToken, Is.EqualTo(cancellation.Token), "the caller's token, as job runners expect");
        Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(10)), "cancellation (kill, snapshot, wipe) is prompt");
        AssertLeftoverProcessesStopped(context, processId);
        await AssertSnapshotSavedAndTaskDirectoryWipedAsync(processId, context, [SnapshotEndState.Cancelled], cancellationToken);
    }

    [Test]
    [CancelAfter(OneSessionTimeout)]
    public async Task ExecuteAsync_AgentLeavesCommandsRunningAtDone_StopsThemWithTheSession(CancellationToken cancellationToken)
    {
        // Arrange: a background job (re-parented away from opencode at once), then DONE written while a foreground
        // command still runs. opencode starts both outside its own process group.
        var processId = NewProcessId("leftover");
        Script(
            processId,
            ScriptedReply.Bash("nohup sleep 600 > /dev/null 2>&1 &", "start a background server"),
            ScriptedReply.Bash("(sleep 1; printf 'DONE: left things running\\n' >> optio.log) & sleep 601", "finish while busy"),
            ScriptedReply.Text("ok"));
        var context = NewContext(processId);

        // Act
        await OpencodeTaskFactory.Create(processId, "leftover", CreateConfig(supportsResume: false)).ExecuteAsync(context, cancellationToken);

        // Assert
        Assert.That(context.Messages, Does.Contain("left things running"), Describe(context, processId));
        AssertLeftoverProcessesStopped(context, processId);
    }

    [Test]
    [CancelAfter(OneSessionTimeout)]
    public async Task ExecuteAsync_TwoSessionsAtOnce_UseDifferentPortsAndBothFinish(CancellationToken cancellationToken)
    {
        // Arrange
        string[] processIds = [NewProcessId("twin-a"), NewProcessId("twin-b")];
        var received = new Dictionary<string, string>();
        var contexts = processIds.Select(id => NewContext(id)).ToArray();
        foreach (var id in processIds)
        {
            Script(id, ScriptedReply.WriteDeliverable("who.md", "I am " + id), ScriptedReply.LogLine("DONE: " + id), ScriptedReply.Text("ok"));
        }

        var config = CreateConfig(supportsResume: false) with
        {
            OnDeliverable = (hook, deliverable, _) =>
            {
                lock (received)
                {
                    received.Add(hook.ProcessId, deliverable.Text);
                }

                return Task.CompletedTask;
            },
        };

        // Act
        await Task.WhenAll(processIds.Select((id, i) => OpencodeTaskFactory.Create(id, id, config).ExecuteAsync(contexts[i], cancellationToken)));

        // Assert
        Assert.That(contexts.Select(c => c.WidgetUpstream?.Port).Distinct().Count(), Is.EqualTo(2), "each session has its own opencode server");
        Assert.That(received, Is.EquivalentTo(processIds.ToDictionary(id => id, id => "I am " + id)));
        for (var i = 0; i < processIds.Length; i++)
        {
            Assert.That(contexts[i].Messages, Does.Contain(processIds[i]), "each run ended with its own DONE");
            Assert.That(await ExistsOnHostAsync(TaskDirectoryOf(processIds[i]), cancellationToken), Is.False);
        }
    }

    /// <summary>While the session is live: the pre-created session through the widget upstream, with and without the password.</summary>
    internal static async Task<(HttpStatusCode Status, JsonObject? Session, HttpStatusCode Anonymous)> ProbeWidgetSessionAsync(RecordingProcessContext context, CancellationToken cancellationToken)
    {
        var sessionId = context.WidgetData!.IframeSrc.Split('/')[^1];
        using var http = new HttpClient { BaseAddress = context.WidgetUpstream, Timeout = TimeSpan.FromSeconds(15) };
        using var anonymous = await http.GetAsync($"session/{sessionId}", cancellationToken);
        using var request = new HttpRequestMessage(HttpMethod.Get, $"session/{sessionId}");
        request.Headers.Authorization = AuthenticationHeaderValue.Parse(context.WidgetUpstreamAuth!.ToHeaderValue());
        using var response = await http.SendAsync(request, cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        return (response.StatusCode, response.IsSuccessStatusCode ? JsonNode.Parse(body) as JsonObject : null, anonymous.StatusCode);
    }

    /// <summary>Decodes opencode's directory route segment (URL-safe base64 without padding).</summary>
    private static string DecodeDirectory(string segment)
    {
        var base64 = segment.Replace('-', '+').Replace('_', '/');
        return Encoding.UTF8.GetString(Convert.FromBase64String(base64.PadRight(base64.Length + ((4 - (base64.Length % 4)) % 4), '=')));
    }
}
