using System.Text.Json.Nodes;
using Opencode.Sessions.Snapshots;
using Opencode.Sessions.Testing;

namespace Opencode.Sessions.Tests.Tasks;

/// <content>
/// Where the snapshot's transcript comes from: the live server before the stop (no second opencode, which is what keeps
/// cancellation prompt on a loaded host), and <c>opencode export</c> when the server cannot give it.
/// </content>
public sealed partial class TaskRunnerTests
{
    private const string CliExportFragment = "export \"$id\"";

    [TestCase(true)]
    [TestCase(false)]
    [CancelAfter(10_000)]
    public async Task ExecuteAsync_LiveServerIdleOrCancelled_SnapshotsItsTranscriptWithoutOpencodeExport(bool cancel, CancellationToken cancellationToken)
    {
        // Arrange
        var store = new InMemorySnapshotStore();
        var task = _h.CreateTask(c => c with { SupportsResume = true, SnapshotStore = store });
        using var cancellation = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);

        // Act
        var run = await _h.StartAsync(task, cancellation.Token, cancel ? [] : ["DONE"]);
        if (cancel)
        {
            await cancellation.CancelAsync();
            await Assert.ThrowsAsync<OperationCanceledException>(() => run);
        }
        else
        {
            await run;
        }

        // Assert
        Assert.That(_h.CommandsWith(CliExportFragment), Is.Empty, "no second opencode is started for the export");
        Assert.That(store.Records, Has.Count.EqualTo(1));
        Assert.That(store.Records[0].EndState, Is.EqualTo(cancel ? SnapshotEndState.Cancelled : SnapshotEndState.Done));
        var export = JsonNode.Parse(store.GetBlob(store.Records[0].SessionBlobId))!;
        Assert.That(export["info"]!["id"]!.GetValue<string>(), Is.EqualTo(TaskRunnerHarness.SessionId));
        Assert.That(export["messages"]![0]!["parts"]![0]!["text"]!.GetValue<string>(), Is.EqualTo("live «transcript»"));
        Assert.That(_h.Host.DirectoryExists(_h.Host.TaskDirectory), Is.False, "the task directory is wiped after the capture");
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task ExecuteAsync_DoneWhileTheSessionIsStillBusy_ExportsWithOpencodeExportAfterTheStop(CancellationToken cancellationToken)
    {
        // Arrange: the last message is still being written, so only the export after the stop sees it complete.
        var store = new InMemorySnapshotStore();
        var task = _h.CreateTask(c => c with { SupportsResume = true, SnapshotStore = store });
        _h.SessionStatus = "busy";

        // Act
        await _h.RunToDoneAsync(task, cancellationToken);

        // Assert
        Assert.That(_h.CommandsWith(CliExportFragment), Has.Count.EqualTo(1));
        Assert.That(_h.Opencode.RequestsTo("GET", $"/session/{TaskRunnerHarness.SessionId}/message"), Is.Empty);
        var export = JsonNode.Parse(store.GetBlob(store.Records.Single().SessionBlobId))!;
        Assert.That(export["messages"]!.AsArray(), Is.Empty, "the CLI export's transcript");
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task ExecuteAsync_CancelledAndTheLiveServerCannotGiveTheTranscript_FallsBackToOpencodeExport(CancellationToken cancellationToken)
    {
        // Arrange
        var store = new InMemorySnapshotStore();
        var task = _h.CreateTask(c => c with { SupportsResume = true, SnapshotStore = store });
        _h.MessagesJson = null;
        using var cancellation = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var run = await _h.StartAsync(task, cancellation.Token);

        // Act
        await cancellation.CancelAsync();

        // Assert
        await Assert.ThrowsAsync<OperationCanceledException>(() => run);
        Assert.That(_h.CommandsWith(CliExportFragment), Has.Count.EqualTo(1));
        Assert.That(store.Records.Single().EndState, Is.EqualTo(SnapshotEndState.Cancelled));
    }
}
