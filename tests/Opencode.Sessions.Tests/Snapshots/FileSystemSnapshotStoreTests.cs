using System.Diagnostics;
using System.Runtime.Versioning;
using System.Text.Json.Nodes;
using Opencode.Sessions.Internal;
using Opencode.Sessions.Snapshots;
using Opencode.Sessions.Testing.Contracts;

namespace Opencode.Sessions.Tests.Snapshots;

[UnsupportedOSPlatform("windows")]
public sealed class FileSystemSnapshotStoreTests : DurableSnapshotStoreContractTests
{
    private const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private TempDirectory _temp = null!;
    private FileSystemSnapshotStore _store = null!;

    private string Root => _temp.Combine("snapshots");

    protected override Task<ISnapshotStore> CreateStoreAsync(CancellationToken cancellationToken)
    {
        _temp = new TempDirectory();
        _store = new FileSystemSnapshotStore(new FileSystemSnapshotStoreOptions { RootDirectory = Root });
        return Task.FromResult<ISnapshotStore>(_store);
    }

    protected override async ValueTask DisposeStoreAsync(ISnapshotStore store)
    {
        await base.DisposeStoreAsync(store);
        _temp.Dispose();
    }

    protected override Task<bool> BlobExistsAsync(string processId, string blobId, CancellationToken cancellationToken) =>
        Task.FromResult(File.Exists(Path.Combine(Root, processId, "blobs", blobId)));

    protected override Task<long?> CountStoredBlobsAsync(string processId, CancellationToken cancellationToken) =>
        Task.FromResult<long?>(Directory.Exists(Path.Combine(Root, processId, "blobs")) ? BlobFiles(processId).Length : 0);

    protected override async Task<string> CreateOrphanBlobAsync(string processId, CancellationToken cancellationToken)
    {
        // What a save that crashed after renaming its blobs into place, before its record, leaves behind.
        var blobId = Guid.NewGuid().ToString("N");
        await File.WriteAllTextAsync(Path.Combine(PrepareDirectory(processId, "blobs"), blobId), "orphan", cancellationToken);
        return blobId;
    }

    [Test]
    public void RootDirectory_NotConfigured_IsSnapshotsUnderDataRoot()
    {
        Assert.That(new FileSystemSnapshotStore().RootDirectory, Is.EqualTo(Path.GetFullPath(Path.Combine(TaskPaths.DataRoot(), "snapshots"))));
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task SaveAsync_Always_CreatesPrivateDirectoriesAndFiles(CancellationToken cancellationToken)
    {
        await SaveAsync("p1", T0, cancellationToken);

        foreach (var directory in new[] { Root, Path.Combine(Root, "p1"), Path.Combine(Root, "p1", "records"), Path.Combine(Root, "p1", "blobs") })
        {
            Assert.That(File.GetUnixFileMode(directory), Is.EqualTo(Private | UnixFileMode.UserExecute), directory);
        }

        var files = Directory.GetFiles(Path.Combine(Root, "p1"), "*", SearchOption.AllDirectories);
        Assert.That(files, Has.Length.EqualTo(4)); // lock, record, two blobs
        Assert.That(files.Select(File.GetUnixFileMode), Is.All.EqualTo(Private));
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task SaveAsync_Record_IsJsonWithTheSeedFieldNames(CancellationToken cancellationToken)
    {
        var record = await _store.SaveAsync(Draft("p1", T0, SnapshotEndState.Failed), Bytes("s"), Bytes("w"), cancellationToken);

        var json = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(Root, "p1", "records", record.SnapshotId + ".json"), cancellationToken))!;

        Assert.That((string?)json["processId"], Is.EqualTo("p1"));
        Assert.That((string?)json["endState"], Is.EqualTo("failed"));
        Assert.That((string?)json["sessionId"], Is.EqualTo("ses_1"));
        Assert.That((string?)json["sessionBlobId"], Is.EqualTo(record.SessionBlobId));
        Assert.That((string?)json["workdirBlobId"], Is.EqualTo(record.WorkdirBlobId));
        Assert.That(json["deliverablesEmitted"], Is.InstanceOf<JsonArray>());
        Assert.That(json["capturedAt"]!.GetValue<DateTimeOffset>(), Is.EqualTo(T0));
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task SaveAsync_AfterCrashBetweenBlobsAndRecord_CollectsTheOrphans(CancellationToken cancellationToken)
    {
        // Arrange: a save that wrote both blobs and died before its record, plus temporary files of a torn write.
        var crashed = await SaveAsync("p1", T0, cancellationToken);
        File.Delete(Path.Combine(Root, "p1", "records", crashed.SnapshotId + ".json"));
        await File.WriteAllTextAsync(Path.Combine(Root, "p1", "blobs", ".tmp-0123456789abcdef0123456789abcdef"), "torn", cancellationToken);
        await File.WriteAllTextAsync(Path.Combine(Root, "p1", "records", ".tmp-x.json"), "{", cancellationToken);
        Assert.That(await _store.ListAsync("p1", cancellationToken), Is.Empty, "a snapshot without its record must not be visible");

        // Act
        var next = await SaveAsync("p1", T0.AddMinutes(1), cancellationToken);

        // Assert
        Assert.That(BlobFiles("p1"), Is.EquivalentTo(new[] { next.SessionBlobId, next.WorkdirBlobId }));
        Assert.That(Directory.GetFiles(Path.Combine(Root, "p1", "records")).Select(Path.GetFileName), Is.EqualTo(new[] { next.SnapshotId + ".json" }));
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task SaveAsync_WriterFails_RemovesItsPartialBlobs(CancellationToken cancellationToken)
    {
        await Assert.ThrowsAsync<IOException>(() => _store.SaveAsync(Draft("p1", T0), Bytes("session"), (_, _) => throw new IOException("disk gone"), cancellationToken));

        Assert.That(BlobFiles("p1"), Is.Empty);
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task SaveAsync_UnreadableRecord_IsIgnoredAndKeepsUnreferencedBlobs(CancellationToken cancellationToken)
    {
        await File.WriteAllTextAsync(Path.Combine(PrepareDirectory("p1", "records"), "20261121T0000000000000Z-0123456789abcdef.json"), "{ not json", cancellationToken);
        await File.WriteAllTextAsync(Path.Combine(PrepareDirectory("p1", "blobs"), "fedcba9876543210fedcba9876543210"), "maybe referenced", cancellationToken);

        var saved = await SaveAsync("p1", T0, cancellationToken);

        Assert.That((await _store.ListAsync("p1", cancellationToken)).Select(r => r.SnapshotId), Is.EqualTo(new[] { saved.SnapshotId }));
        Assert.That(BlobFiles("p1"), Does.Contain("fedcba9876543210fedcba9876543210"));
    }

    [TestCase("../../etc/passwd")]
    [TestCase("0123456789ABCDEF0123456789ABCDEF")]
    [TestCase("")]
    [CancelAfter(10_000)]
    public async Task OpenBlobAsync_MalformedBlobId_ThrowsArgumentException(string blobId, CancellationToken cancellationToken)
    {
        await Assert.ThrowsAsync<ArgumentException>(() => _store.OpenBlobAsync("p1", blobId, cancellationToken));
    }

    [Test]
    [CancelAfter(20_000)]
    public async Task SaveAsync_SameProcessIdInFlight_WaitsForTheFirstSave(CancellationToken cancellationToken)
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var firstStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var secondWriterRan = false;
        var first = Task.Run(() => _store.SaveAsync(Draft("p1", T0), async (sink, token) => { firstStarted.SetResult(); await release.Task.WaitAsync(token); }, Bytes("w"), cancellationToken), cancellationToken);
        await firstStarted.Task.WaitAsync(cancellationToken);

        var second = Task.Run(() => _store.SaveAsync(Draft("p1", T0.AddMinutes(1)), (sink, token) => { secondWriterRan = true; return Task.CompletedTask; }, Bytes("w"), cancellationToken), cancellationToken);
        await Task.Delay(300, cancellationToken);
        Assert.That(secondWriterRan, Is.False, "the second save must wait for the lock");
        release.SetResult();
        await Task.WhenAll(first, second);

        Assert.That(await _store.ListAsync("p1", cancellationToken), Has.Count.EqualTo(2));
    }

    [Test]
    [CancelAfter(30_000)]
    public async Task SaveAsync_LockHeldByAnotherProcess_TimesOutThenSucceedsAfterRelease(CancellationToken cancellationToken)
    {
        // Arrange: flock(1) takes the same kind of OS lock (flock(2)) the store takes, from another process.
        var lockFile = Path.Combine(PrepareDirectory("p1"), ".lock");
        var holder = Process.Start(new ProcessStartInfo("flock", ["-x", lockFile, "sleep", "30"]) { UseShellExecute = false })
            ?? throw new InvalidOperationException("flock could not be started; install util-linux (./build.sh test does).");
        try
        {
            await WaitUntilLockedAsync(lockFile, cancellationToken);
            var impatient = new FileSystemSnapshotStore(new FileSystemSnapshotStoreOptions { RootDirectory = Root, LockTimeout = TimeSpan.FromMilliseconds(300) });

            // Act + Assert
            var ex = await Assert.ThrowsAsync<SnapshotException>(() => impatient.SaveAsync(Draft("p1", T0), Bytes("s"), Bytes("w"), cancellationToken));
            Assert.That(ex!.Message, Does.Contain("Timed out"));
            Assert.That(await impatient.ListAsync("p1", cancellationToken), Is.Empty);

            holder.Kill(entireProcessTree: true);
            await holder.WaitForExitAsync(cancellationToken);

            // flock's child (sleep) inherited the locked descriptor and may still be dying: a patient store waits for it.
            var patient = new FileSystemSnapshotStore(new FileSystemSnapshotStoreOptions { RootDirectory = Root, LockTimeout = TimeSpan.FromSeconds(20) });
            Assert.That(await patient.SaveAsync(Draft("p1", T0), Bytes("s"), Bytes("w"), cancellationToken), Is.Not.Null);
        }
        finally
        {
            if (!holder.HasExited)
            {
                holder.Kill(entireProcessTree: true);
            }

            holder.Dispose();
        }
    }

    private static async Task WaitUntilLockedAsync(string lockFile, CancellationToken cancellationToken)
    {
        while (true)
        {
            try
            {
                using (new FileStream(lockFile, FileMode.Open, FileAccess.ReadWrite, FileShare.None))
                {
                }
            }
            catch (FileNotFoundException)
            {
                // flock(1) has not created the file yet: not locked yet either.
            }
            catch (IOException)
            {
                return;
            }

            await Task.Delay(20, cancellationToken);
        }
    }

    private string PrepareDirectory(params string[] parts)
    {
        var path = Path.Combine([Root, .. parts]);
        Directory.CreateDirectory(path);
        return path;
    }

    private string[] BlobFiles(string processId) =>
        Directory.GetFiles(Path.Combine(Root, processId, "blobs")).Select(p => Path.GetFileName(p)!).ToArray();
}
