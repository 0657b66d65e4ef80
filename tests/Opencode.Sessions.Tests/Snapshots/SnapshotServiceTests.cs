using System.Security.Cryptography;
using System.Text;
using Moq;
using Opencode.Sessions.Hosting;
using Opencode.Sessions.Snapshots;
using Opencode.Sessions.Workdir;
using Opencode.Sessions.Testing;

namespace Opencode.Sessions.Tests.Snapshots;

public sealed class SnapshotServiceTests
{
    private const string SessionJson = "{\"info\":{\"id\":\"ses_1\",\"title\":\"token sk-SECRET-123\"},\"messages\":[]}";
    private static readonly DateTimeOffset T0 = new(2026, 11, 21, 12, 0, 0, TimeSpan.Zero);

    private TempDirectory _temp = null!;
    private Mock<IHost> _host = null!;
    private InMemorySnapshotStore _store = null!;
    private string? _exportedTo;
    private string? _imported;

    private string Workdir => _host.Object.WorkDirectory;

    [SetUp]
    public void SetUp()
    {
        _temp = new TempDirectory();
        _host = DirectoryHost.Create(_temp.Combine("task"));
        _store = new InMemorySnapshotStore();
        (_exportedTo, _imported) = (null, null);
        WriteWorkdirFile("notes.md", "# notes");
        WriteWorkdirFile("deliverables/report.md", "report");
        WriteWorkdirFile(".opencode-password", "pw");
    }

    [TearDown]
    public void TearDown() => _temp.Dispose();

    [Test]
    [CancelAfter(20_000)]
    public async Task CaptureAsync_NoCipher_StoresSessionAndWorkdirWithoutScratchOrPassword(CancellationToken cancellationToken)
    {
        // Arrange
        var service = new SnapshotService(_store, cipher: null, encryptWorkdir: false, exclude: [], retention: 5, logger: null);

        // Act
        var record = await service.CaptureAsync(_host.Object, Request(SnapshotEndState.Failed, ["deliverables/report.md"]), ExportAsync, cancellationToken);

        // Assert
        Assert.That(record.EndState, Is.EqualTo(SnapshotEndState.Failed));
        Assert.That(record.DeliverablesEmitted, Is.EqualTo(new[] { "deliverables/report.md" }));
        Assert.That((record.SessionBlobEncrypted, record.WorkdirBlobEncrypted), Is.EqualTo((false, false)));
        Assert.That(Encoding.UTF8.GetString(_store.GetBlob(record.SessionBlobId)), Is.EqualTo(SessionJson));
        Assert.That(TestArchives.Names(_store.GetBlob(record.WorkdirBlobId)), Is.EquivalentTo(new[] { "notes.md", "deliverables/", "deliverables/report.md" }));
        Assert.That(Path.GetDirectoryName(_exportedTo), Is.EqualTo(_host.Object.TaskDirectory), "the export scratch lives in the task directory");
        Assert.That(File.Exists(_exportedTo), Is.False, "the export scratch is removed");
    }

    [Test]
    [CancelAfter(20_000)]
    public async Task CaptureAsync_WithCipher_SessionBlobIsEncryptedAndWorkdirOnlyWhenAsked(CancellationToken cancellationToken)
    {
        var cipher = new AesGcmBlobCipher(AesGcmBlobCipher.GenerateKey());

        var sessionOnly = await new SnapshotService(_store, cipher, false, null, 5, null).CaptureAsync(_host.Object, Request(), ExportAsync, cancellationToken);
        var both = await new SnapshotService(_store, cipher, true, null, 5, null).CaptureAsync(_host.Object, Request(), ExportAsync, cancellationToken);

        var sessionBlob = _store.GetBlob(sessionOnly.SessionBlobId);
        Assert.That(sessionBlob.AsSpan().IndexOf("sk-SECRET-123"u8), Is.EqualTo(-1), "the transcript must not be stored in plain text");
        Assert.That(sessionBlob[..4], Is.EqualTo("OCSE"u8.ToArray()));
        Assert.That((sessionOnly.SessionBlobEncrypted, sessionOnly.WorkdirBlobEncrypted), Is.EqualTo((true, false)));
        Assert.That(_store.GetBlob(sessionOnly.WorkdirBlobId)[..2], Is.EqualTo(new byte[] { 0x1f, 0x8b }), "gzip magic: not encrypted");
        Assert.That((both.SessionBlobEncrypted, both.WorkdirBlobEncrypted), Is.EqualTo((true, true)));
        Assert.That(_store.GetBlob(both.WorkdirBlobId)[..4], Is.EqualTo("OCSE"u8.ToArray()));
    }

    [Test]
    [CancelAfter(30_000)]
    public async Task CaptureThenRestore_EncryptedThroughFileSystemStore_RestoresWorkdirAndImportsSession(CancellationToken cancellationToken)
    {
        // Arrange
        var big = RandomNumberGenerator.GetBytes(300_000);
        await File.WriteAllBytesAsync(Path.Combine(Workdir, "big.bin"), big, cancellationToken);
        var store = new FileSystemSnapshotStore(new FileSystemSnapshotStoreOptions { RootDirectory = _temp.Combine("store") });
        var service = new SnapshotService(store, new AesGcmBlobCipher(Enumerable.Repeat((byte)7, 32).ToArray()), true, null, 5, null);
        await service.CaptureAsync(_host.Object, Request(), ExportAsync, cancellationToken);
        WriteWorkdirFile("notes.md", "changed after the snapshot");
        WriteWorkdirFile("junk.txt", "junk");

        // Act
        var latest = await store.LoadLatestAsync("proc-1", cancellationToken);
        await service.RestoreAsync(_host.Object, latest!, ImportAsync, cancellationToken);

        // Assert
        Assert.That(_imported, Is.EqualTo(SessionJson));
        Assert.That(File.ReadAllText(Path.Combine(Workdir, "notes.md")), Is.EqualTo("# notes"));
        Assert.That(File.Exists(Path.Combine(Workdir, "junk.txt")), Is.False);
        Assert.That(File.Exists(Path.Combine(Workdir, ".opencode-password")), Is.False);
        Assert.That(await File.ReadAllBytesAsync(Path.Combine(Workdir, "big.bin"), cancellationToken), Is.EqualTo(big));
        Assert.That(Directory.GetFiles(_host.Object.TaskDirectory), Is.Empty, "the import scratch is removed");
    }

    [Test]
    [CancelAfter(20_000)]
    public async Task RestoreAsync_WrongKey_ThrowsBlobCipherExceptionBeforeTouchingTheWorkdir(CancellationToken cancellationToken)
    {
        var record = await new SnapshotService(_store, new AesGcmBlobCipher(AesGcmBlobCipher.GenerateKey()), true, null, 5, null)
            .CaptureAsync(_host.Object, Request(), ExportAsync, cancellationToken);
        WriteWorkdirFile("work-in-progress.txt", "must survive");
        var wrongKey = new SnapshotService(_store, new AesGcmBlobCipher(AesGcmBlobCipher.GenerateKey()), true, null, 5, null);

        var ex = await Assert.ThrowsAsync<BlobCipherException>(() => wrongKey.RestoreAsync(_host.Object, record, ImportAsync, cancellationToken));

        Assert.That(ex!.Message, Does.Contain("decrypt").And.Contain("blob"));
        Assert.That(File.Exists(Path.Combine(Workdir, "work-in-progress.txt")), Is.True);
        Assert.That(_imported, Is.Null);
        Assert.That(Directory.GetFiles(_host.Object.TaskDirectory), Is.Empty);
    }

    [Test]
    [CancelAfter(20_000)]
    public async Task RestoreAsync_EncryptedSnapshotButNoCipher_ThrowsBlobCipherException(CancellationToken cancellationToken)
    {
        var record = await new SnapshotService(_store, new AesGcmBlobCipher(AesGcmBlobCipher.GenerateKey()), false, null, 5, null)
            .CaptureAsync(_host.Object, Request(), ExportAsync, cancellationToken);

        var ex = await Assert.ThrowsAsync<BlobCipherException>(() => new SnapshotService(_store, null, false, null, 5, null).RestoreAsync(_host.Object, record, ImportAsync, cancellationToken));

        Assert.That(ex!.Message, Does.Contain("no cipher is configured"));
    }

    [Test]
    [CancelAfter(30_000)]
    public async Task RestoreAsync_WorkdirBlobTamperedInItsLastChunk_ThrowsBlobCipherException(CancellationToken cancellationToken)
    {
        await File.WriteAllBytesAsync(Path.Combine(Workdir, "big.bin"), RandomNumberGenerator.GetBytes(400_000), cancellationToken);
        var store = new FileSystemSnapshotStore(new FileSystemSnapshotStoreOptions { RootDirectory = _temp.Combine("store") });
        var service = new SnapshotService(store, new AesGcmBlobCipher(AesGcmBlobCipher.GenerateKey()), true, null, 5, null);
        var record = await service.CaptureAsync(_host.Object, Request(), ExportAsync, cancellationToken);
        var blobPath = Path.Combine(store.RootDirectory, "proc-1", "blobs", record.WorkdirBlobId);
        var bytes = await File.ReadAllBytesAsync(blobPath, cancellationToken);
        bytes[^5] ^= 0x40;
        await File.WriteAllBytesAsync(blobPath, bytes, cancellationToken);

        await Assert.ThrowsAsync<BlobCipherException>(() => service.RestoreAsync(_host.Object, record, ImportAsync, cancellationToken));

        Assert.That(_imported, Is.Null);
    }

    [Test]
    [CancelAfter(20_000)]
    public async Task RestoreAsync_HostileWorkdirArchive_ThrowsUnsafeArchiveEntryException(CancellationToken cancellationToken)
    {
        var hostile = TestArchives.Build(TestArchives.File("../escape.txt", "x"));
        var record = await _store.SaveAsync(
            new SnapshotDraft { SnapshotId = SnapshotDraft.NewSnapshotId(T0), ProcessId = "proc-1", CapturedAt = T0, EndState = SnapshotEndState.Done, SessionId = "ses_1" },
            (sink, token) => sink.WriteAsync(Encoding.UTF8.GetBytes(SessionJson), token).AsTask(),
            (sink, token) => sink.WriteAsync(hostile, token).AsTask(),
            cancellationToken);

        await Assert.ThrowsAsync<UnsafeArchiveEntryException>(() => new SnapshotService(_store, null, false, null, 5, null).RestoreAsync(_host.Object, record, ImportAsync, cancellationToken));

        Assert.That(File.Exists(_temp.Combine("task", "escape.txt")), Is.False);
    }

    [Test]
    [CancelAfter(20_000)]
    public async Task RestoreAsync_PlainSnapshotWithCipherConfigured_IsRefusedUnlessAllowed(CancellationToken cancellationToken)
    {
        var record = await new SnapshotService(_store, null, false, null, 5, null).CaptureAsync(_host.Object, Request(), ExportAsync, cancellationToken);
        var key = AesGcmBlobCipher.GenerateKey();

        await Assert.ThrowsAsync<BlobCipherException>(() => new SnapshotService(_store, new AesGcmBlobCipher(key), true, null, 5, null).RestoreAsync(_host.Object, record, ImportAsync, cancellationToken));
        Assert.That(_imported, Is.Null);
        await new SnapshotService(_store, new AesGcmBlobCipher(key), true, null, 5, null, allowUnencrypted: true).RestoreAsync(_host.Object, record, ImportAsync, cancellationToken);

        Assert.That(_imported, Is.EqualTo(SessionJson));
    }

    [Test]
    [CancelAfter(20_000)]
    public async Task CaptureAsync_EmptyExport_ThrowsSnapshotExceptionAndStoresNothing(CancellationToken cancellationToken)
    {
        var service = new SnapshotService(_store, null, false, null, 5, null);

        var ex = await Assert.ThrowsAsync<SnapshotException>(() => service.CaptureAsync(_host.Object, Request(), (path, token) => File.WriteAllTextAsync(path, string.Empty, token), cancellationToken));

        Assert.That(ex!.Message, Does.Contain("is empty"));
        Assert.That((_store.Records.Count, _store.BlobCount), Is.EqualTo((0, 0)));
        Assert.That(Directory.GetFiles(_host.Object.TaskDirectory), Is.Empty);
    }

    [Test]
    [CancelAfter(20_000)]
    public async Task CaptureAsync_ExportFails_PropagatesAndStoresNothing(CancellationToken cancellationToken)
    {
        var service = new SnapshotService(_store, null, false, null, 5, null);

        await Assert.ThrowsAsync<InvalidOperationException>(() => service.CaptureAsync(_host.Object, Request(), (_, _) => throw new InvalidOperationException("opencode export failed (exit 1)"), cancellationToken));

        Assert.That(_store.Records, Is.Empty);
    }

    [Test]
    [CancelAfter(20_000)]
    public async Task CaptureAsync_ThreeCapturesWithRetentionTwo_KeepsTheNewestTwo(CancellationToken cancellationToken)
    {
        var service = new SnapshotService(_store, null, false, null, 2, null);

        for (var i = 0; i < 3; i++)
        {
            await service.CaptureAsync(_host.Object, Request() with { CapturedAt = T0.AddMinutes(i) }, ExportAsync, cancellationToken);
        }

        Assert.That(_store.Records.Select(r => r.CapturedAt), Is.EqualTo(new[] { T0.AddMinutes(2), T0.AddMinutes(1) }));
        Assert.That(_store.BlobCount, Is.EqualTo(4));
    }

    private static SnapshotCaptureRequest Request(SnapshotEndState endState = SnapshotEndState.Done, IReadOnlyList<string>? deliverables = null) =>
        new("proc-1", "ses_1", endState, T0, deliverables);

    private async Task ExportAsync(string path, CancellationToken cancellationToken)
    {
        _exportedTo = path;
        await File.WriteAllTextAsync(path, SessionJson, cancellationToken);
    }

    private async Task ImportAsync(string path, CancellationToken cancellationToken)
    {
        Assert.That(Path.GetDirectoryName(path), Is.EqualTo(_host.Object.TaskDirectory));
        _imported = await File.ReadAllTextAsync(path, cancellationToken);
    }

    private void WriteWorkdirFile(string relative, string content)
    {
        var path = Path.Combine(Workdir, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
    }
}
