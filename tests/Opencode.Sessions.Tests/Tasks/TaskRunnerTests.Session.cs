using Moq;
using Opencode.Sessions.Hosting;
using Opencode.Sessions.Snapshots;
using Opencode.Sessions.Testing;

namespace Opencode.Sessions.Tests.Tasks;

/// <content>What the live session does: resume.log and snapshots, the start prompt, the widget registration.</content>
public sealed partial class TaskRunnerTests
{
    [Test]
    [CancelAfter(10_000)]
    public async Task ExecuteAsync_ResumeNotSupported_WritesNoResumeLogAndNeverTouchesTheStore(CancellationToken cancellationToken)
    {
        // Arrange: the factory refuses a store without resume, so the task is built directly to prove the runner
        // ignores one; the context even asks to resume.
        var store = new Mock<ISnapshotStore>(MockBehavior.Strict);
        var config = _h.CreateTask().Config with { SupportsResume = false, SnapshotStore = store.Object };
        var task = new TaskInstance(TaskRunnerHarness.ProcessId, "no resume", null, config);
        _h.Context.Resume = true;

        // Act
        await _h.RunToDoneAsync(task, cancellationToken);

        // Assert
        store.VerifyNoOtherCalls();
        Assert.That(_h.CommandsWith("resume.log"), Is.Empty);
        Assert.That(_h.CommandsWith("export \"$id\""), Is.Empty);
        Assert.That(_h.Host.Operations, Does.Not.Contain(nameof(IHost.ArchiveWorkdirAsync)));
        Assert.That(_h.Context.HasSavedState, Is.False);
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task ExecuteAsync_ResumeSupported_AppendsResumeLogOnceAndSavesOneSnapshot(CancellationToken cancellationToken)
    {
        // Arrange
        var store = new InMemorySnapshotStore();
        var task = _h.CreateTask(c => c with { SupportsResume = true, SnapshotStore = store });

        // Act
        await _h.RunToDoneAsync(task, cancellationToken);

        // Assert
        var appends = _h.CommandsWith("resume.log");
        Assert.That(appends, Has.Count.EqualTo(1));
        Assert.That(appends[0].Arguments[^1], Is.EqualTo(_h.Host.WorkDirectory + "/resume.log"));
        Assert.That(store.Records, Has.Count.EqualTo(1));
        Assert.That(store.Records[0].SessionId, Is.EqualTo(TaskRunnerHarness.SessionId));
        Assert.That(store.Records[0].EndState, Is.EqualTo(SnapshotEndState.Done));
        Assert.That(_h.Context.SavedStateMarks, Is.EqualTo(1));
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task ExecuteAsync_FreshRun_PostsTheStartPromptOnce(CancellationToken cancellationToken)
    {
        // Arrange
        var task = _h.CreateTask(c => c with { StartPrompt = "Begin with the data in data.csv." });

        // Act
        await _h.RunToDoneAsync(task, cancellationToken);

        // Assert
        var prompts = _h.PromptRequests.ToList();
        Assert.That(prompts, Has.Count.EqualTo(1));
        Assert.That(prompts[0].Path, Is.EqualTo($"/session/{TaskRunnerHarness.SessionId}/prompt_async"));
        Assert.That(prompts[0].Body, Does.Contain("Begin with the data in data.csv."));
        Assert.That(_h.Opencode.RequestsTo("POST", "/session").Count(), Is.EqualTo(1), "the session is pre-created once");
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task ExecuteAsync_StartPromptNull_PostsNothing(CancellationToken cancellationToken)
    {
        // Arrange
        var task = _h.CreateTask(c => c with { StartPrompt = null });

        // Act: a human would type in the web UI; here the agent finishes a while after the session went live.
        var run = task.ExecuteAsync(_h.Context, cancellationToken);
        await Task.WhenAny(_h.Context.WaitForMessageAsync(m => m == "opencode is live", cancellationToken), run);
        await Task.Delay(300, cancellationToken);
        _h.WriteLog("DONE");
        await run;

        // Assert
        Assert.That(_h.PromptRequests, Is.Empty);
        Assert.That(_h.Opencode.RequestsTo("POST", "/session").Count(), Is.EqualTo(1));
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task ExecuteAsync_Live_PublishesTheWidgetOnceWithTheServerPortAndBasicAuth(CancellationToken cancellationToken)
    {
        // Arrange
        var task = _h.CreateTask();

        // Act: read the password opencode was started with while it runs (teardown removes the file).
        var run = await _h.StartAsync(task, cancellationToken);
        var password = _h.Host.ReadAllText(_h.Host.TaskDirectory + "/run/.opencode-password");
        _h.WriteLog("DONE");
        await run;

        // Assert
        Assert.That(_h.Context.WidgetUpstreamCount, Is.EqualTo(1));
        Assert.That(_h.Context.WidgetUpstream, Is.EqualTo(new Uri($"http://127.0.0.1:{_h.Opencode.BaseAddress.Port}")));
        Assert.That(_h.Context.WidgetUpstreamAuth!.Username, Is.EqualTo("opencode"));
        Assert.That(_h.Context.WidgetUpstreamAuth.Password, Is.EqualTo(password));
        Assert.That(_h.Context.WidgetDataHistory, Has.Count.EqualTo(1));
        Assert.That(_h.Context.WidgetData!.IframeSrc, Does.StartWith(WidgetData.ProxyUrlPlaceholder).And.EndWith($"/session/{TaskRunnerHarness.SessionId}"));
        Assert.That(_h.Context.Messages, Does.Contain("opencode is live"));
        Assert.That(_h.Context.Messages, Has.None.Contains("earlier run"));

        // Every request to opencode carried the same credentials.
        var expected = _h.Context.WidgetUpstreamAuth.ToHeaderValue();
        Assert.That(_h.Opencode.Requests.Select(r => r.Header("authorization")), Is.All.EqualTo(expected));
    }
}
