using System.Text;
using Opencode.Sessions.Snapshots;
using Opencode.Sessions.Testing;

namespace Opencode.Sessions.IntegrationTests.Sessions;

/// <content>Snapshots and resume: capture at the end of a run, restore on the next, encryption, store failures.</content>
public abstract partial class SessionScenarios
{
    [Test]
    [CancelAfter(TwoSessionTimeout)]
    public async Task ExecuteAsync_ResumeAfterDone_RestoresWorkdirAndConversationAndEndsOnlyWithItsOwnDone(CancellationToken cancellationToken)
    {
        // Arrange: a first run that writes a file and ends with DONE.
        var processId = NewProcessId("resume");
        Script(
            processId,
            ScriptedReply.Bash("printf 'written by run one\\n' > notes.txt", "write notes"),
            ScriptedReply.LogLine("DONE: first run finished"),
            ScriptedReply.Text("First run done."));
        var first = NewContext(processId);
        var received = new List<Deliverable>();
        var config = CreateConfig(supportsResume: true) with { OnDeliverable = CollectInto(received) };
        await OpencodeTaskFactory.Create(processId, "resume", config).ExecuteAsync(first, cancellationToken);
        var sessionId = first.WidgetData!.IframeSrc.Split('/')[^1];
        var afterFirstRun = Model.Requests.Count;

        await AssertSnapshotSavedAndTaskDirectoryWipedAsync(processId, first, [SnapshotEndState.Done], cancellationToken);
        Assert.That((await Store.LoadLatestAsync(processId, cancellationToken))!.SessionId, Is.EqualTo(sessionId));

        // The resumed run's own script, bound to the session it continues (the first run's final "Text" may be left
        // unconsumed in the directory script: opencode is stopped as soon as DONE is seen). Its DONE comes only after
        // a STATUS and a deliverable.
        Model.EnqueueForSession(
            sessionId,
            ScriptedReply.LogLine("STATUS: 50% resumed"),
            ScriptedReply.WriteDeliverable("second.md", "from the resumed run"),
            ScriptedReply.LogLine("DONE: second run finished"),
            ScriptedReply.Text("Second run done."));
        string? notes = null, resumeLog = null, oldLog = null;
        var resumed = config with
        {
            BeforeExecute = async (hook, ct) =>
            {
                notes = await hook.ReadTextFromHostAsync("notes.txt", silent: true, ct);
                resumeLog = await hook.ReadTextFromHostAsync("resume.log", silent: true, ct);
                oldLog = await hook.ReadTextFromHostAsync("optio.log.old", silent: true, ct);
            },
        };
        var second = NewContext(processId, resume: true);

        // Act
        await OpencodeTaskFactory.Create(processId, "resume", resumed).ExecuteAsync(second, cancellationToken);

        // Assert: the workdir came back, with the resume bookkeeping.
        var why = Describe(second, processId);
        Assert.That(notes, Is.EqualTo("written by run one\n"), why);
        AssertIsoLines(resumeLog!, 2);
        Assert.That(oldLog, Does.Contain("DONE: first run finished"));

        // The resumed run was not ended by the first run's DONE: it got its own STATUS, deliverable and DONE.
        Assert.That(second.Messages, Does.Contain("second run finished").And.Not.Contain("first run finished"), why);
        Assert.That(second.Progress, Does.Contain(new ProgressEntry(50, "resumed")), why);
        Assert.That(received.Select(d => d.RelativePath), Is.EqualTo(new[] { "second.md" }));

        // The conversation came back: the same session, and the model sees the first run's history.
        Assert.That(second.WidgetData!.IframeSrc, Does.EndWith("/session/" + sessionId));
        var resumedRequests = Model.Requests.Skip(afterFirstRun).Where(r => !r.IsTitleRequest && r.WorkingDirectory == WorkDirectoryOf(processId)).ToList();
        Assert.That(resumedRequests, Is.Not.Empty, why);
        var history = resumedRequests[0];
        Assert.That(history.SessionId, Is.EqualTo(sessionId));
        Assert.That(history.Messages.Where(m => m.Role == "user").Select(m => m.Content), Has.Some.Contains(OpencodeTaskConfig.DefaultStartPrompt), "the first run's prompt");
        Assert.That(
            history.Messages.SelectMany(m => m.ToolCalls).Select(c => c.Arguments),
            Has.Some.Contains("notes.txt"),
            "the first run's tool call");
        Assert.That(history.LastUserText, Does.Contain(OpencodeTaskConfig.DefaultResumePrompt));

        // opencode was stopped at DONE, inside the tool call that wrote it; the restored history must still pair every
        // call with a result, or real providers reject the resumed conversation.
        Assert.That(
            history.ToolResults.Select(m => m.ToolCallId),
            Is.SupersetOf(history.Messages.SelectMany(m => m.ToolCalls).Select(c => c.Id)),
            "every tool call of the first run has a result");

        await AssertSnapshotSavedAndTaskDirectoryWipedAsync(processId, second, [SnapshotEndState.Done, SnapshotEndState.Done], cancellationToken);
    }

    [Test]
    [CancelAfter(OneSessionTimeout)]
    public async Task ExecuteAsync_ResumeWithoutSnapshot_StartsFreshAndSnapshots(CancellationToken cancellationToken)
    {
        // Arrange
        var processId = NewProcessId("nosnap");
        Script(processId, ScriptedReply.LogLine("DONE: fresh"), ScriptedReply.Text("ok"));
        var context = NewContext(processId, resume: true);
        string? resumeLog = null;
        var oldLogExists = true;
        var config = CreateConfig(supportsResume: true) with
        {
            BeforeExecute = async (hook, ct) =>
            {
                resumeLog = await hook.ReadTextFromHostAsync("resume.log", silent: true, ct);
                oldLogExists = (await hook.RunOnHostAsync("test -e optio.log.old", check: false, cancellationToken: ct)).Succeeded;
            },
        };

        // Act
        await OpencodeTaskFactory.Create(processId, "no snapshot", config).ExecuteAsync(context, cancellationToken);

        // Assert
        var why = Describe(context, processId);
        Assert.That(context.Messages, Does.Contain("No snapshot to resume from; starting fresh"), why);
        AssertIsoLines(resumeLog!, 1);
        Assert.That(oldLogExists, Is.False);
        Assert.That(AgentRequestsOf(processId)[0].LastUserText, Does.Contain(OpencodeTaskConfig.DefaultStartPrompt), "a fresh conversation");
        await AssertSnapshotSavedAndTaskDirectoryWipedAsync(processId, context, [SnapshotEndState.Done], cancellationToken);
    }

    [Test]
    [CancelAfter(TwoSessionTimeout)]
    public async Task ExecuteAsync_EncryptedSnapshotResumedWithWrongKey_StoresCiphertextAndFailsLoudly(CancellationToken cancellationToken)
    {
        // Arrange: a run with a cipher.
        var processId = NewProcessId("cipher");
        Script(processId, ScriptedReply.Bash("printf 'secret plan\\n' > plan.txt", "write the plan"), ScriptedReply.LogLine("DONE: encrypted"), ScriptedReply.Text("ok"));
        var cipher = new AesGcmBlobCipher(AesGcmBlobCipher.GenerateKey());
        var config = CreateConfig(supportsResume: true) with { SessionBlobCipher = cipher };
        var first = NewContext(processId);
        await OpencodeTaskFactory.Create(processId, "cipher", config).ExecuteAsync(first, cancellationToken);
        var sessionId = first.WidgetData!.IframeSrc.Split('/')[^1];
        var afterFirstRun = Model.Requests.Count;

        var record = (await Store.ListAsync(processId, cancellationToken)).Single();
        Assert.That(record.SessionBlobEncrypted, Is.True);
        var stored = await ReadBlobAsync(processId, record.SessionBlobId, cancellationToken);
        var storedText = Encoding.UTF8.GetString(stored);
        Assert.That(storedText, Does.StartWith("OCSE"));
        Assert.That(storedText, Does.Not.Contain(sessionId).And.Not.Contain("secret plan").And.Not.Contain(OpencodeTaskConfig.DefaultStartPrompt), "no plaintext at rest");
        using (var plain = new MemoryStream())
        {
            await cipher.DecryptAsync(new MemoryStream(stored), plain, new BlobCipherContext(processId, record.SnapshotId, SnapshotBlobRole.Session), cancellationToken);
            Assert.That(Encoding.UTF8.GetString(plain.ToArray()), Does.Contain(sessionId).And.Contain(OpencodeTaskConfig.DefaultStartPrompt), "the blob is the exported session");
        }

        var second = NewContext(processId, resume: true);
        var wrongKey = config with { SessionBlobCipher = new AesGcmBlobCipher(AesGcmBlobCipher.GenerateKey()) };

        // Act
        var error = await CatchAsync(() => OpencodeTaskFactory.Create(processId, "cipher", wrongKey).ExecuteAsync(second, cancellationToken));

        // Assert: loud, never a silent fresh start.
        var why = Describe(second, processId);
        Assert.That(error, Is.TypeOf<BlobCipherException>(), why);
        Assert.That(error!.Message, Does.Contain("wrong key"));
        Assert.That(second.Messages.Where(m => m.Contains("fresh", StringComparison.OrdinalIgnoreCase)), Is.Empty, why);
        Assert.That(Model.Requests.Skip(afterFirstRun).Where(r => r.WorkingDirectory == WorkDirectoryOf(processId)), Is.Empty, "no session ran");
        Assert.That((await Store.ListAsync(processId, cancellationToken)).Select(s => s.SnapshotId), Is.EqualTo(new[] { record.SnapshotId }), "the snapshot is kept");
        Assert.That(second.SavedStateMarks, Is.Zero);
    }

    [Test]
    [CancelAfter(OneSessionTimeout)]
    public async Task ExecuteAsync_StoreFailsDuringSave_ThrowsSnapshotCaptureAndKeepsTheTaskDirectory(CancellationToken cancellationToken)
    {
        // Arrange
        var processId = NewProcessId("savefail");
        Script(processId, ScriptedReply.Bash("printf 'precious work\\n' > work.txt", "work"), ScriptedReply.LogLine("DONE: finished"), ScriptedReply.Text("ok"));
        var store = new FailingSaveSnapshotStore(Store, "disk full (simulated)");
        var context = NewContext(processId);
        var config = CreateConfig(supportsResume: true) with { SnapshotStore = store };

        // Act
        var error = await CatchAsync(() => OpencodeTaskFactory.Create(processId, "save failure", config).ExecuteAsync(context, cancellationToken));

        // Assert
        Assert.That(error, Is.TypeOf<SnapshotCaptureException>(), Describe(context, processId));
        var capture = (SnapshotCaptureException)error!;
        Assert.That(capture.TaskDirectory, Is.EqualTo(TaskDirectoryOf(processId)));
        Assert.That(capture.Message, Does.Contain(TaskDirectoryOf(processId)).And.Contain("disk full (simulated)"));
        Assert.That(store.SaveAttempts, Is.EqualTo(1));
        Assert.That(context.Messages, Does.Contain(capture.Message), "the job runner's log says where the work is");
        var kept = await RunOnHostAsync("""cat "$1/workdir/work.txt" """, cancellationToken, TaskDirectoryOf(processId));
        Assert.That(kept.StandardOutput, Is.EqualTo("precious work\n"), "the work is kept on the host");
        Assert.That(await Store.ListAsync(processId, cancellationToken), Is.Empty, "no half-written snapshot is visible");
        Assert.That(context.SavedStateMarks, Is.Zero);
    }

    private async Task<byte[]> ReadBlobAsync(string processId, string blobId, CancellationToken cancellationToken)
    {
        var blob = await Store.OpenBlobAsync(processId, blobId, cancellationToken);
        await using (blob)
        {
            using var buffer = new MemoryStream();
            await blob.CopyToAsync(buffer, cancellationToken);
            return buffer.ToArray();
        }
    }
}
