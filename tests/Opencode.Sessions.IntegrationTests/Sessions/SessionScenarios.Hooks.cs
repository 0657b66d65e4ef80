using Opencode.Sessions.Testing;

namespace Opencode.Sessions.IntegrationTests.Sessions;

/// <content>BeforeExecute and AfterExecute: when they run, and whose error wins.</content>
public abstract partial class SessionScenarios
{
    [Test]
    [CancelAfter(OneSessionTimeout)]
    public async Task ExecuteAsync_WithHooks_BeforeExecuteRunsAfterInstallBeforeLaunchAndAfterExecuteAfterTheBody(CancellationToken cancellationToken)
    {
        // Arrange: BeforeExecute leaves a file the agent turns into a STATUS line; AfterExecute reads what the agent wrote.
        var processId = NewProcessId("hooks");
        Script(
            processId,
            ScriptedReply.Bash("cat hook.txt >> optio.log", "forward the hook's line"),
            ScriptedReply.Bash("printf 'from the agent' > note.txt", "write a note"),
            ScriptedReply.WriteDeliverable("x.md", "x"),
            ScriptedReply.LogLine("DONE: hooks seen"),
            ScriptedReply.Text("ok"));
        var events = new List<string>();
        var context = NewContext(processId);
        string[] messagesBefore = [], messagesAfter = [];
        int serversBefore = -1, serversAfter = -1;
        string? agentsMd = null, note = null;
        var config = CreateConfig(supportsResume: false) with
        {
            BeforeExecute = async (hook, ct) =>
            {
                events.Add("before");
                messagesBefore = [.. context.Messages];
                serversBefore = OpencodeServersOf(processId).Count;
                agentsMd = await hook.ReadTextFromHostAsync("AGENTS.md", silent: true, ct);
                await hook.CopyFileAsync("STATUS: 50% written by BeforeExecute\n"u8.ToArray(), "hook.txt", ct);
            },
            OnDeliverable = (_, _, _) =>
            {
                events.Add("deliverable");
                return Task.CompletedTask;
            },
            AfterExecute = async (hook, ct) =>
            {
                events.Add("after");
                messagesAfter = [.. context.Messages];
                serversAfter = OpencodeServersOf(processId).Count;
                note = await hook.ReadTextFromHostAsync("note.txt", silent: true, ct);
            },
        };

        // Act
        await OpencodeTaskFactory.Create(processId, "hooks", config).ExecuteAsync(context, cancellationToken);

        // Assert
        Assert.That(events, Is.EqualTo(new[] { "before", "deliverable", "after" }));
        Assert.That(messagesBefore, Does.Contain("Checking opencode installation…"), "BeforeExecute runs after the install check");
        Assert.That(messagesBefore.Where(m => m.StartsWith("Launching opencode", StringComparison.Ordinal)), Is.Empty, "…and before the launch");
        Assert.That(serversBefore, Is.Zero);
        Assert.That(agentsMd, Does.Contain("Follow the scripted steps."), "the workdir is prepared before BeforeExecute");
        Assert.That(context.Progress, Does.Contain(new ProgressEntry(50, "written by BeforeExecute")), "the session sees BeforeExecute's files");
        Assert.That(messagesAfter, Does.Contain("hooks seen"), "AfterExecute runs after the body ended");
        Assert.That(serversAfter, Is.Zero, "…and after opencode was stopped");
        Assert.That(note, Is.EqualTo("from the agent"), "…while the work directory still exists");
        Assert.That(await ExistsOnHostAsync(TaskDirectoryOf(processId), cancellationToken), Is.False, "the task directory is wiped after AfterExecute");
    }

    [Test]
    [CancelAfter(OneSessionTimeout)]
    public async Task ExecuteAsync_BeforeExecuteAndAfterExecuteThrow_SurfacesTheBeforeExecuteErrorWithoutLaunching(CancellationToken cancellationToken)
    {
        // Arrange
        var processId = NewProcessId("hookfail");
        var context = NewContext(processId);
        var afterRan = false;
        var config = CreateConfig(supportsResume: true) with
        {
            BeforeExecute = (_, _) => throw new InvalidOperationException("before failed"),
            AfterExecute = (_, _) =>
            {
                afterRan = true;
                throw new InvalidOperationException("after failed");
            },
        };

        // Act
        var error = await CatchAsync(() => OpencodeTaskFactory.Create(processId, "hook failure", config).ExecuteAsync(context, cancellationToken));

        // Assert
        Assert.That(error, Is.TypeOf<InvalidOperationException>().With.Message.EqualTo("before failed"), "the primary failure wins");
        Assert.That(afterRan, Is.True, "AfterExecute runs even when the session failed");
        Assert.That(context.Messages, Does.Contain("AfterExecute callback raised: after failed"));
        Assert.That(context.Messages.Where(m => m.StartsWith("Launching opencode", StringComparison.Ordinal)), Is.Empty, "opencode never launches");
        Assert.That(AgentRequestsOf(processId), Is.Empty);
        Assert.That(await Store.ListAsync(processId, cancellationToken), Is.Empty, "no snapshot of a session that never went live");
        Assert.That(context.SavedStateMarks, Is.Zero);
        Assert.That(await ExistsOnHostAsync(TaskDirectoryOf(processId), cancellationToken), Is.False, "cleanup ran");
    }
}
