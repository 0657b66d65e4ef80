using Opencode.Sessions.Hosting;

namespace Opencode.Sessions.Tests.Tasks;

/// <content>Hook ordering and the error precedence between the session and its hooks.</content>
public sealed partial class TaskRunnerTests
{
    private static readonly string[] LifecycleSteps =
    [
        nameof(IHost.ConnectAsync), nameof(IHost.SetupWorkdirAsync), "Install", "BeforeExecute", nameof(IHost.LaunchAsync),
        nameof(IHostProcess.TerminateAsync), "AfterExecute", nameof(IHost.CleanupTaskDirectoryAsync), nameof(IHost.DisposeAsync),
    ];

    [Test]
    [CancelAfter(10_000)]
    public async Task ExecuteAsync_DoneRun_RunsTheStepsInLifecycleOrder(CancellationToken cancellationToken)
    {
        // Arrange
        var task = _h.CreateTask(c => c with { BeforeExecute = Hook(() => _h.Mark("BeforeExecute")), AfterExecute = Hook(() => _h.Mark("AfterExecute")) });

        // Act
        await _h.RunToDoneAsync(task, cancellationToken);

        // Assert: opencode is stopped before AfterExecute (the original ran the hook with opencode still alive).
        Assert.That(_h.Timeline(LifecycleSteps), Is.EqualTo(LifecycleSteps));
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task ExecuteAsync_BeforeExecuteThrows_NeverLaunchesButRunsAfterExecuteAndCleansUp(CancellationToken cancellationToken)
    {
        // Arrange
        var hookError = new InvalidOperationException("the consumer's setup failed");
        var task = _h.CreateTask(c => c with
        {
            BeforeExecute = (_, _) => throw hookError,
            AfterExecute = Hook(() => _h.Mark("AfterExecute")),
        });

        // Act
        var ex = (await Assert.ThrowsAsync<InvalidOperationException>(() => task.ExecuteAsync(_h.Context, cancellationToken)))!;

        // Assert
        Assert.That(ex, Is.SameAs(hookError));
        Assert.That(_h.Host.Processes, Is.Empty, "opencode must never be launched");
        Assert.That(_h.Marks, Is.EqualTo(new[] { "AfterExecute" }));
        Assert.That(_h.Timeline(nameof(IHost.CleanupTaskDirectoryAsync), nameof(IHost.DisposeAsync)),
            Is.EqualTo(new[] { nameof(IHost.CleanupTaskDirectoryAsync), nameof(IHost.DisposeAsync) }));
        Assert.That(_h.Host.DirectoryExists(_h.Host.TaskDirectory), Is.False);
        Assert.That(_h.Opencode.Requests, Is.Empty);
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task ExecuteAsync_AfterExecuteThrowsAfterDone_FailsWithTheHookError(CancellationToken cancellationToken)
    {
        // Arrange
        var hookError = new IOException("could not upload the results");
        var task = _h.CreateTask(c => c with { AfterExecute = (_, _) => throw hookError });

        // Act
        var run = await _h.StartAsync(task, cancellationToken, "DONE");
        var ex = (await Assert.ThrowsAsync<IOException>(() => run))!;

        // Assert
        Assert.That(ex, Is.SameAs(hookError));
        Assert.That(_h.Host.IsDisposed, Is.True);
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task ExecuteAsync_AfterExecuteThrowsAfterError_AgentErrorWinsAndHookErrorIsReported(CancellationToken cancellationToken)
    {
        // Arrange
        var task = _h.CreateTask(c => c with { AfterExecute = (_, _) => throw new IOException("could not upload the results") });

        // Act
        var run = await _h.StartAsync(task, cancellationToken, "ERROR: the input file is missing");
        var ex = (await Assert.ThrowsAsync<AgentReportedErrorException>(() => run))!;

        // Assert
        Assert.That(ex.AgentMessage, Is.EqualTo("the input file is missing"));
        Assert.That(_h.Context.Messages, Has.Some.Matches<string>(m => m!.Contains("AfterExecute") && m.Contains("could not upload the results")));
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task ExecuteAsync_HooksGetAContextOnTheSessionHost(CancellationToken cancellationToken)
    {
        // Arrange
        HookContext? before = null;
        HookContext? after = null;
        var task = _h.CreateTask(c => c with
        {
            BeforeExecute = (ctx, _) => Task.FromResult(before = ctx),
            AfterExecute = (ctx, _) => Task.FromResult(after = ctx),
        });

        // Act
        await _h.RunToDoneAsync(task, cancellationToken);

        // Assert
        Assert.That(before, Is.Not.Null);
        Assert.That(after, Is.SameAs(before));
        Assert.That(before!.Host, Is.SameAs(_h.Host));
        Assert.That(before.ProcessContext, Is.SameAs(_h.Context));
        Assert.That(before.WorkDirectory, Is.EqualTo(_h.Host.WorkDirectory));
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task ExecuteAsync_BeforeExecute_SeesThePreparedWorkdir(CancellationToken cancellationToken)
    {
        // Arrange
        var seen = new List<string>();
        var task = _h.CreateTask(c => c with { BeforeExecute = Hook(() => seen.AddRange(_h.Host.FilePaths)) });

        // Act
        await _h.RunToDoneAsync(task, cancellationToken);

        // Assert: AGENTS.md and opencode.json are written before the hook, so it can adjust them.
        Assert.That(seen, Does.Contain(_h.Host.WorkDirectory + "/AGENTS.md"));
        Assert.That(seen, Does.Contain(_h.Host.WorkDirectory + "/opencode.json"));
    }
}
