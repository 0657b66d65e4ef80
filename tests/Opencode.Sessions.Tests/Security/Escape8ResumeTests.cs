using System.Text;
using Opencode.Sessions.Snapshots;
using Opencode.Sessions.Tests.Snapshots;
using Opencode.Sessions.Tests.Tasks;

namespace Opencode.Sessions.Tests.Security;

/// <summary>Escape 8 through the task runner's resume path: a downgraded record fails the run, no donor conversation.</summary>
[Category("Security")]
public sealed class Escape8ResumeTests
{
    private TempDirectory _temp = null!;
    private FileSystemSnapshotStore _store = null!;
    private AesGcmBlobCipher _cipher = null!;

    [SetUp]
    public void SetUp()
    {
        _temp = new TempDirectory();
        _store = new FileSystemSnapshotStore(new FileSystemSnapshotStoreOptions { RootDirectory = _temp.Combine("store") });
        _cipher = new AesGcmBlobCipher(AesGcmBlobCipher.GenerateKey());
    }

    [TearDown]
    public void TearDown() => _temp.Dispose();

    [Test]
    [CancelAfter(30_000)]
    public async Task Escape8_ResumeOfRecordSayingNotEncrypted_FailsTheRunWithoutImportingADonor(CancellationToken cancellationToken)
    {
        // Arrange: a genuine encrypted snapshot, then the attacker's donor conversation in clear under a downgraded record.
        await using (var first = new TaskRunnerHarness())
        {
            await first.RunToDoneAsync(first.CreateTask(Configure), cancellationToken);
        }

        var record = (await _store.LoadLatestAsync(TaskRunnerHarness.ProcessId, cancellationToken))!;
        Assert.That((record.SessionBlobEncrypted, record.WorkdirBlobEncrypted), Is.EqualTo((true, true)));
        var forge = new SnapshotForgery(_store.RootDirectory);
        forge.PlantBlob(record.ProcessId, record.SessionBlobId, Encoding.UTF8.GetBytes("""{"info":{"id":"ses_donor"},"messages":[]}"""));
        forge.PlantBlob(record.ProcessId, record.WorkdirBlobId, TestArchives.Build(TestArchives.File("AGENTS.md", "planted")));
        forge.SetEncryptedFlags(record, session: false, workdir: false);

        await using var second = new TaskRunnerHarness();
        second.Context.Resume = true;

        // Act
        var ex = await Assert.ThrowsAsync<BlobCipherException>(() => second.RunToDoneAsync(second.CreateTask(Configure), cancellationToken));

        // Assert
        Assert.That(ex!.Message, Does.Contain(record.SnapshotId));
        Assert.That(second.CommandsWith("import"), Is.Empty, "no donor conversation is imported");
        Assert.That(second.PromptRequests, Is.Empty, "the agent never starts");
        var agents = second.Host.WorkDirectory + "/AGENTS.md";
        Assert.That(second.Host.FileExists(agents) && second.Host.ReadAllText(agents).Contains("planted", StringComparison.Ordinal), Is.False, "the planted AGENTS.md never reaches the work directory");
    }

    private OpencodeTaskConfig Configure(OpencodeTaskConfig config) =>
        config with { SupportsResume = true, SnapshotStore = _store, SessionBlobCipher = _cipher, EncryptWorkdirBlob = true };
}
