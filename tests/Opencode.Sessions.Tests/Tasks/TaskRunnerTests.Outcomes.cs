using Opencode.Sessions.Hosting;
using Opencode.Sessions.Testing;

namespace Opencode.Sessions.Tests.Tasks;

/// <content>How a session ends: DONE, ERROR, a premature exit, cancellation; and how opencode is stopped.</content>
public sealed partial class TaskRunnerTests
{
    [Test]
    [CancelAfter(10_000)]
    public async Task ExecuteAsync_Done_DeliversQueuedDeliverablesBeforeReturning(CancellationToken cancellationToken)
    {
        // Arrange: a slow callback, held until the test releases it.
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var delivered = new List<Deliverable>();
        var task = _h.CreateTask(c => c with
        {
            OnDeliverable = async (_, deliverable, ct) =>
            {
                entered.TrySetResult();
                await release.Task.WaitAsync(ct);
                delivered.Add(deliverable);
            },
        });
        _h.Host.AddFile(_h.Host.WorkDirectory + "/deliverables/out.md", "# Result\n");

        // Act
        var run = await _h.StartAsync(task, cancellationToken, "DELIVERABLE: deliverables/out.md", "DONE: all good");
        await entered.Task.WaitAsync(cancellationToken);
        await Task.Delay(200, cancellationToken);
        var completedWhileCallbackRan = run.IsCompleted;
        release.SetResult();
        await run;

        // Assert
        Assert.That(completedWhileCallbackRan, Is.False, "ExecuteAsync returned before the deliverable callback finished");
        Assert.That(delivered, Has.Count.EqualTo(1));
        Assert.That(delivered[0].RelativePath, Is.EqualTo("out.md"));
        Assert.That(delivered[0].Text, Is.EqualTo("# Result\n"));
        Assert.That(_h.Context.Messages, Does.Contain("Deliverable: out.md"));
        Assert.That(_h.Context.Messages, Does.Contain("all good"));
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task ExecuteAsync_ErrorLine_ThrowsAgentReportedErrorWithTheMessage(CancellationToken cancellationToken)
    {
        // Arrange
        var task = _h.CreateTask();

        // Act
        var run = await _h.StartAsync(task, cancellationToken, "STATUS: 50% half way", "ERROR: cannot read data.csv");
        var ex = (await Assert.ThrowsAsync<AgentReportedErrorException>(() => run))!;

        // Assert
        Assert.That(ex.AgentMessage, Is.EqualTo("cannot read data.csv"));
        Assert.That(ex.Message, Does.Contain("cannot read data.csv"));
        Assert.That(_h.Process.TerminationRequests, Is.EqualTo(new[] { TerminationMode.Graceful }));
        Assert.That(_h.Host.IsDisposed, Is.True);
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task ExecuteAsync_OpencodeExitsBeforeDone_ThrowsOpencodeExitedAfterTheGrace(CancellationToken cancellationToken)
    {
        // Arrange
        var task = _h.CreateTask();
        var run = await _h.StartAsync(task, cancellationToken);

        // Act
        _h.Process.Exit(3);
        var ex = (await Assert.ThrowsAsync<OpencodeExitedException>(() => run))!;

        // Assert
        Assert.That(ex.ExitCode, Is.EqualTo(3));
        Assert.That(ex.OutputTail, Does.Contain("opencode server listening on"));
        Assert.That(_h.Process.TerminationRequests, Is.Empty, "an exited process is not terminated again");
        Assert.That(_h.Host.IsDisposed, Is.True);
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task ExecuteAsync_DoneArrivesWithinTheGraceAfterExit_Succeeds(CancellationToken cancellationToken)
    {
        // Arrange: the agent wrote DONE and opencode exited at once; the follower sees DONE a little later.
        var task = _h.CreateTask();
        var run = await _h.StartAsync(task, cancellationToken);

        // Act
        _h.Process.Exit(0);
        await Task.Delay(300, cancellationToken);
        _h.WriteLog("DONE");

        // Assert
        await run;
        Assert.That(_h.Host.IsDisposed, Is.True);
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task ExecuteAsync_CancelledMidSession_ThrowsOperationCanceledAndKillsOpencode(CancellationToken cancellationToken)
    {
        // Arrange
        using var cancellation = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var task = _h.CreateTask(c => c with { AfterExecute = Hook(() => _h.Mark("AfterExecute")) });
        var run = await _h.StartAsync(task, cancellation.Token);

        // Act
        await cancellation.CancelAsync();
        var ex = (await Assert.ThrowsAsync<OperationCanceledException>(() => run))!;

        // Assert
        Assert.That(ex.CancellationToken, Is.EqualTo(cancellation.Token));
        Assert.That(_h.Process.TerminationRequests, Is.EqualTo(new[] { TerminationMode.Aggressive }));
        Assert.That(await _h.Process.Exited, Is.EqualTo(FakeHostProcess.SigkillExitCode));
        Assert.That(_h.Marks, Is.EqualTo(new[] { "AfterExecute" }));
        Assert.That(_h.Host.IsDisposed, Is.True);
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task ExecuteAsync_Done_StopsOpencodeGracefullyAndReleasesIt(CancellationToken cancellationToken)
    {
        // Arrange
        var task = _h.CreateTask();

        // Act
        await _h.RunToDoneAsync(task, cancellationToken);

        // Assert
        Assert.That(_h.Process.TerminationRequests, Is.EqualTo(new[] { TerminationMode.Graceful }));
        Assert.That(await _h.Process.Exited, Is.EqualTo(FakeHostProcess.SigtermExitCode));
        Assert.That(_h.Process.IsDisposed, Is.True);
        Assert.That(_h.Host.FileExists(_h.Host.TaskDirectory + "/run/.opencode-password"), Is.False);
        Assert.That(_h.Host.DirectoryExists(_h.Host.TaskDirectory), Is.False);
    }
}
