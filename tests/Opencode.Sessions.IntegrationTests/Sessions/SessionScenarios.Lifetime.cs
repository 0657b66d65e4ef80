using System.Diagnostics;
using Opencode.Sessions.IntegrationTests.Infrastructure;
using Opencode.Sessions.Snapshots;
using Opencode.Sessions.Testing;

namespace Opencode.Sessions.IntegrationTests.Sessions;

/// <summary>
/// The session's lifetime is bounded by its job runner's: nothing outlives a killed job runner, the next run stops
/// whatever an earlier run left, and one process id runs once at a time (issue 8, items 5 and 6).
/// </summary>
public abstract partial class SessionScenarios
{
    /// <summary>How long everything a SIGKILLed job runner started may take to die (the promise is "soon", not a number).</summary>
    private static readonly TimeSpan OrphanBound = TimeSpan.FromSeconds(60);

    /// <summary>How long a refused second execution may take (it must not wait for the first).</summary>
    private static readonly TimeSpan RefusalBound = TimeSpan.FromSeconds(60);

    /// <summary>The stub job runner's arguments that point it at the host under test, after the common ones.</summary>
    private protected abstract IEnumerable<string> JobRunnerHostArguments();

    [Test]
    [CancelAfter(TwoSessionTimeout + OneSessionTimeout)]
    public async Task Lifetime_JobRunnerSigkilled_NothingItStartedSurvivesAndTheNextRunSucceeds(CancellationToken cancellationToken)
    {
        var processId = NewProcessId("sigkill");
        var marker = $"OPENCODE_SESSIONS_TASK_DIRECTORY={TaskDirectoryOf(processId)}";
        Script(
            processId,
            ScriptedReply.Bash("nohup sleep 600 > /dev/null 2>&1 &", "start a background job"),
            ScriptedReply.LogLine("STATUS: 10% working"),
            ScriptedReply.Hang("Thinking"));
        using var runner = JobRunnerProcess.Start(
            new[] { TaskRoot, processId, TestOpencode.ExecutablePath, Model.CreateOpencodeConfig().ToJsonString() }.Concat(JobRunnerHostArguments()));
        var hanging = Model.WaitForRequestAsync(r => r.WorkingDirectory == WorkDirectoryOf(processId) && r.Reply?.Kind == ScriptedReplyKind.Hang, cancellationToken);
        await Task.WhenAny(hanging, runner.WaitForExitAsync(cancellationToken));
        Assert.That(hanging.IsCompleted, Is.True, "the stub job runner ended before the model hung:\n" + runner.Output);

        // Everything the job runner started, as seen while it lives: its descendants (opencode, ssh …) and every process
        // carrying the task's marker (the agent's background job sits in a session of its own, here or on the host).
        var started = ProcessTable.Descendants(runner.ProcessId).Concat(ProcessTable.WithEnvironmentEntry(marker)).Distinct().ToList();
        Assert.That(ProcessTable.WithEnvironmentEntry(marker).Select(ProcessTable.CommandLine), Has.Some.Contains("sleep 600"), "the agent's background job runs and carries the task marker");

        await runner.KillHardAsync(cancellationToken);
        var watch = Stopwatch.StartNew();
        IReadOnlyList<int> survivors = [];
        var gone = await ProcessTable.WaitUntilAsync(
            () => (survivors = started.Where(ProcessTable.IsAlive).Concat(ProcessTable.WithEnvironmentEntry(marker)).Distinct().ToList()).Count == 0,
            OrphanBound,
            cancellationToken);
        var described = string.Join("\n  ", survivors.Select(pid => $"{pid}: {ProcessTable.CommandLine(pid)}"));
        foreach (var pid in survivors)
        {
            ProcessTable.Kill(pid);
        }

        Assert.That(gone, Is.True, $"{survivors.Count} process(es) outlived the SIGKILLed job runner by {OrphanBound.TotalSeconds} s:\n  {described}");
        TestContext.Out.WriteLine($"everything the job runner started was gone {watch.ElapsedMilliseconds} ms after its SIGKILL");

        // The next run with the same id keeps the dead run's task directory and succeeds.
        Script(processId, ScriptedReply.LogLine("DONE: after the crash"), ScriptedReply.Text("Done."));
        var context = NewContext(processId);
        await OpencodeTaskFactory.Create(processId, processId, CreateConfig(supportsResume: false)).ExecuteAsync(context, cancellationToken);
        Assert.That(context.Messages, Has.Some.StartsWith("A task directory from an earlier run was kept at "), Describe(context, processId));
    }

    [Test]
    [CancelAfter(OneSessionTimeout)]
    public async Task Lifetime_EarlierRunLeftProcesses_NextRunStopsAndReportsThemBeforeItStarts(CancellationToken cancellationToken)
    {
        var processId = NewProcessId("leftover");
        var taskDirectory = TaskDirectoryOf(processId);

        // What a dead run may leave behind: a process of its own session carrying the task's marker.
        var leftover = StartMarkedSleeper(taskDirectory);
        try
        {
            Script(processId, ScriptedReply.LogLine("DONE: fine"), ScriptedReply.Text("Done."));
            var context = NewContext(processId);
            await OpencodeTaskFactory.Create(processId, processId, CreateConfig(supportsResume: false)).ExecuteAsync(context, cancellationToken);

            var messages = context.Messages.ToList();
            var stopped = messages.FindIndex(m => m.StartsWith("Stopped 1 process(es) an earlier run left running on ", StringComparison.Ordinal));
            var launching = messages.FindIndex(m => m.StartsWith("Launching opencode", StringComparison.Ordinal));
            Assert.That(stopped, Is.GreaterThanOrEqualTo(0), Describe(context, processId));
            Assert.That(stopped, Is.LessThan(launching), "the leftovers are stopped before opencode starts");
            Assert.That(ProcessTable.IsAlive(leftover.Id), Is.False, "the leftover process is gone");
            Assert.That(_logs.Lines, Has.Some.Contains("stopped 1 process(es) an earlier run left running"), "the stop is logged");
        }
        finally
        {
            ProcessTable.Kill(leftover.Id);
            leftover.Dispose();
        }
    }

    [Test]
    [CancelAfter(TwoSessionTimeout + OneSessionTimeout)]
    public async Task Lifetime_SecondExecutionOfARunningProcessId_FailsFastAndLeavesTheFirstToFinishWithItsSnapshot(CancellationToken cancellationToken)
    {
        var processId = NewProcessId("twice");
        Script(
            processId,
            ScriptedReply.Bash("while [ ! -e go ]; do sleep 0.1; done; echo first-run-was-here > mine.txt", "wait for go"),
            ScriptedReply.LogLine("DONE: finished"),
            ScriptedReply.Text("Done."));
        var config = CreateConfig(supportsResume: true);
        var firstContext = NewContext(processId);
        var first = OpencodeTaskFactory.Create(processId, processId, config).ExecuteAsync(firstContext, cancellationToken);
        var waiting = Model.WaitForRequestAsync(r => r.WorkingDirectory == WorkDirectoryOf(processId) && r.Reply?.Kind == ScriptedReplyKind.ToolCalls, cancellationToken);
        await Task.WhenAny(waiting, first);
        Assert.That(waiting.IsCompleted, Is.True, "the first run ended before its agent waited: " + Describe(firstContext, processId));

        var secondContext = NewContext(processId);
        using var secondBound = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        secondBound.CancelAfter(RefusalBound * 3); // on a broken lock the second run would otherwise hang on the model
        var watch = Stopwatch.StartNew();
        var refused = await CatchAsync(() => OpencodeTaskFactory.Create(processId, processId, config).ExecuteAsync(secondContext, secondBound.Token));
        watch.Stop();
        TestContext.Out.WriteLine($"the second execution was refused after {watch.ElapsedMilliseconds} ms");
        Assert.That(refused, Is.TypeOf<TaskAlreadyRunningException>(), $"the second execution: {refused}");
        var error = (TaskAlreadyRunningException)refused!;
        Assert.That(error.ProcessId, Is.EqualTo(processId));
        Assert.That(error.Message, Does.Contain(processId).And.Contain("already running"));
        Assert.That(watch.Elapsed, Is.LessThan(RefusalBound), "the second execution fails fast");
        Assert.That(secondContext.Messages, Has.None.StartsWith("A task directory from an earlier run was kept"), "the first run's task directory was not moved");
        Assert.That(first.IsCompleted, Is.False, "the first run is untouched: " + Describe(firstContext, processId));

        var go = await RunOnHostAsync("""touch "$1/go" """, cancellationToken, WorkDirectoryOf(processId));
        Assert.That(go.Succeeded, Is.True, go.StandardError);
        await first;
        Assert.That(firstContext.Messages, Has.Some.StartsWith("Snapshot ").And.EndsWith(" saved (done)"), Describe(firstContext, processId));
        await AssertSnapshotSavedAndTaskDirectoryWipedAsync(processId, firstContext, [SnapshotEndState.Done], cancellationToken);
    }

    /// <summary>Starts <c>sleep 600</c> in a session of its own with the task's marker, as a dead run's agent job would be.</summary>
    private static Process StartMarkedSleeper(string taskDirectory)
    {
        var info = new ProcessStartInfo("/usr/bin/setsid") { UseShellExecute = false };
        foreach (var argument in new[] { "sleep", "600" })
        {
            info.ArgumentList.Add(argument);
        }

        info.Environment["OPENCODE_SESSIONS_TASK_DIRECTORY"] = taskDirectory;
        return Process.Start(info) ?? throw new InvalidOperationException("setsid could not be started.");
    }
}
