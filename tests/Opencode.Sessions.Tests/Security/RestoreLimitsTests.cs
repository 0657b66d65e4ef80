using System.Diagnostics;
using System.Formats.Tar;
using System.Globalization;
using Moq;
using Opencode.Sessions.Hosting;
using Opencode.Sessions.Snapshots;
using Opencode.Sessions.Workdir;
using Opencode.Sessions.Testing;
using Opencode.Sessions.Tests.Snapshots;

namespace Opencode.Sessions.Tests.Security;

/// <summary>
/// The restore misbehaviours of issue 8: a small archive expanding to gigabytes, a huge sparse file and millions of
/// entries must fail on a cap before the disk fills, and an absolute symlink inside the work directory must not make
/// a snapshot unrestorable under another task root.
/// </summary>
[Category("Security")]
public sealed class RestoreLimitsTests
{
    private const long GiB = 1L << 30;
    private static readonly DateTimeOffset T0 = new(2026, 12, 1, 8, 0, 0, TimeSpan.Zero);

    private TempDirectory _temp = null!;
    private InMemorySnapshotStore _store = null!;
    private Mock<IHost> _host = null!;

    private string Workdir => _host.Object.WorkDirectory;

    [SetUp]
    public void SetUp()
    {
        _temp = new TempDirectory();
        _store = new InMemorySnapshotStore();
        _host = DirectoryHost.Create(_temp.Combine("task"));
    }

    [TearDown]
    public void TearDown() => _temp.Dispose();

    [Test]
    [CancelAfter(120_000)]
    public async Task RestoreLimits_OneMiBGzipOfZerosExpandingToOneGiB_FailsOnTheRatioWithLittleWritten(CancellationToken cancellationToken)
    {
        // Arrange: one file declaring 1 GiB of zeros; the archive is about 1 MiB.
        var bomb = ZeroBomb.Build("zeros.bin", GiB);
        Assert.That(bomb.Length, Is.LessThan(2 << 20), "the bomb is small");
        var record = await SaveAsync(bomb, cancellationToken);

        // Act
        var ex = await Assert.ThrowsAsync<WorkdirRestoreLimitException>(() => Service(WorkdirRestoreLimits.Default).RestoreAsync(_host.Object, record, ImportAsync, cancellationToken));

        // Assert: stopped at the 200:1 ratio, long before 1 GiB; nothing near the declared size was written.
        Assert.That(ex!.Limit, Is.EqualTo(nameof(WorkdirRestoreLimits.MaxExpansionRatio)));
        Assert.That(ex.Message, Does.Contain("MaxExpansionRatio").And.Contain(nameof(OpencodeTaskConfig.WorkdirRestoreLimits)));
        Assert.That(WrittenBytes(), Is.LessThanOrEqualTo(WorkdirRestoreLimits.ExpansionRatioGraceBytes + (16L << 20)));
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task RestoreLimits_ArchiveDeclaringMoreThanTheTotalCap_FailsBeforeWritingTheFile(CancellationToken cancellationToken)
    {
        var record = await SaveAsync(ZeroBomb.Build("zeros.bin", GiB), cancellationToken);
        var limits = new WorkdirRestoreLimits { MaxTotalBytes = 64L << 20, MaxExpansionRatio = 1_000_000 };

        var ex = await Assert.ThrowsAsync<WorkdirRestoreLimitException>(() => Service(limits).RestoreAsync(_host.Object, record, ImportAsync, cancellationToken));

        Assert.That(ex!.Limit, Is.EqualTo(nameof(WorkdirRestoreLimits.MaxTotalBytes)));
        Assert.That(File.Exists(Path.Combine(Workdir, "zeros.bin")), Is.False, "the header alone crossed the cap: nothing of the file is written");
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task RestoreLimits_TooManyEntries_FailsWithoutCreatingMoreThanTheCap(CancellationToken cancellationToken)
    {
        var entries = Enumerable.Range(0, 2_000).Select(i => (TarEntry)TestArchives.File($"f{i:D5}.txt", "")).ToArray();
        var record = await SaveAsync(TestArchives.Build(entries), cancellationToken);

        var ex = await Assert.ThrowsAsync<WorkdirRestoreLimitException>(() => Service(new WorkdirRestoreLimits { MaxEntries = 100 }).RestoreAsync(_host.Object, record, ImportAsync, cancellationToken));

        Assert.That(ex!.Limit, Is.EqualTo(nameof(WorkdirRestoreLimits.MaxEntries)));
        Assert.That(Directory.EnumerateFileSystemEntries(Workdir).Count(), Is.LessThanOrEqualTo(100));
    }

    [Test]
    [CancelAfter(180_000)]
    public async Task RestoreLimits_AgentMadeSparse2GiBFile_IsRefusedBySizeBeforeTheDiskFills(CancellationToken cancellationToken)
    {
        // Arrange: the agent makes a 2 GiB sparse file (no blocks on disk); the snapshot holds 2 GiB of zeros.
        using (var sparse = File.Create(Path.Combine(Workdir, "sparse.img")))
        {
            sparse.SetLength(2 * GiB);
        }

        var record = await Service(WorkdirRestoreLimits.Default).CaptureAsync(_host.Object, new SnapshotCaptureRequest("proc-1", "ses_1", SnapshotEndState.Done, T0), ExportAsync, cancellationToken);
        Directory.Delete(Workdir, recursive: true);

        // Act: a worker with a 1 GiB budget restores it.
        var ex = await Assert.ThrowsAsync<WorkdirRestoreLimitException>(() => Service(new WorkdirRestoreLimits { MaxTotalBytes = GiB, MaxExpansionRatio = 1_000_000 }).RestoreAsync(_host.Object, record, ImportAsync, cancellationToken));

        // Assert: the declared size counts, so nothing of the file was written.
        Assert.That(ex!.Limit, Is.EqualTo(nameof(WorkdirRestoreLimits.MaxTotalBytes)));
        Assert.That(ex.Message, Does.Contain("sparse.img"));
        Assert.That(File.Exists(Path.Combine(Workdir, "sparse.img")), Is.False);
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task RestoreLimits_SparseFileWithinTheCaps_IsRestoredSparse(CancellationToken cancellationToken)
    {
        // Arrange: 64 MiB apparent size, one real block at the end.
        const long size = 64L << 20;
        using (var sparse = File.Create(Path.Combine(Workdir, "sparse.img")))
        {
            sparse.SetLength(size - 1);
            sparse.Seek(0, SeekOrigin.End);
            sparse.WriteByte(0x2a);
        }

        var service = Service(new WorkdirRestoreLimits { MaxExpansionRatio = 1_000_000 });
        var record = await service.CaptureAsync(_host.Object, new SnapshotCaptureRequest("proc-1", "ses_1", SnapshotEndState.Done, T0), ExportAsync, cancellationToken);
        Directory.Delete(Workdir, recursive: true);

        // Act
        await service.RestoreAsync(_host.Object, record, ImportAsync, cancellationToken);

        // Assert
        var restored = Path.Combine(Workdir, "sparse.img");
        Assert.That(new FileInfo(restored).Length, Is.EqualTo(size));
        using (var file = File.OpenRead(restored))
        {
            file.Seek(-1, SeekOrigin.End);
            Assert.That(file.ReadByte(), Is.EqualTo(0x2a));
        }

        Assert.That(AllocatedBytes(restored), Is.LessThan(size / 8), "the zero blocks are holes, not written data");
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task RestoreLimits_AbsoluteSymlinkInsideTheWorkdir_RestoresUnderAnotherTaskRoot(CancellationToken cancellationToken)
    {
        // Arrange: the agent links with absolute paths into its own work directory.
        Directory.CreateDirectory(Path.Combine(Workdir, "sub", "deeper"));
        File.WriteAllText(Path.Combine(Workdir, "data.txt"), "data");
        File.CreateSymbolicLink(Path.Combine(Workdir, "top-link"), Path.Combine(Workdir, "data.txt"));
        File.CreateSymbolicLink(Path.Combine(Workdir, "sub", "deeper", "nested-link"), Path.Combine(Workdir, "data.txt"));
        File.CreateSymbolicLink(Path.Combine(Workdir, "sub", "root-link"), Workdir);
        var service = Service(WorkdirRestoreLimits.Default);
        var record = await service.CaptureAsync(_host.Object, new SnapshotCaptureRequest("proc-1", "ses_1", SnapshotEndState.Done, T0), ExportAsync, cancellationToken);

        // Act: another worker, another task root.
        var other = DirectoryHost.Create(_temp.Combine("elsewhere", "task"));
        await service.RestoreAsync(other.Object, record, ImportAsync, cancellationToken);

        // Assert
        var workdir = other.Object.WorkDirectory;
        Assert.That(new FileInfo(Path.Combine(workdir, "top-link")).LinkTarget, Is.EqualTo("data.txt"));
        Assert.That(new FileInfo(Path.Combine(workdir, "sub", "deeper", "nested-link")).LinkTarget, Is.EqualTo("../../data.txt"));
        Assert.That(new FileInfo(Path.Combine(workdir, "sub", "root-link")).LinkTarget, Is.EqualTo(".."));
        Assert.That(File.ReadAllText(Path.Combine(workdir, "sub", "deeper", "nested-link")), Is.EqualTo("data"));
        Assert.That(File.ReadAllText(Path.Combine(workdir, "sub", "root-link", "data.txt")), Is.EqualTo("data"));
    }

    private static long AllocatedBytes(string path)
    {
        using var stat = Process.Start(new ProcessStartInfo("stat", ["-c", "%b %B", path]) { RedirectStandardOutput = true })!;
        var parts = stat.StandardOutput.ReadToEnd().Trim().Split(' ');
        stat.WaitForExit();
        return long.Parse(parts[0], CultureInfo.InvariantCulture) * long.Parse(parts[1], CultureInfo.InvariantCulture);
    }

    private SnapshotService Service(WorkdirRestoreLimits limits) => new(_store, null, false, [], 5, null, restoreLimits: limits);

    private Task<SnapshotRecord> SaveAsync(byte[] archive, CancellationToken cancellationToken) =>
        _store.SaveAsync(
            new SnapshotDraft { SnapshotId = SnapshotDraft.NewSnapshotId(T0), ProcessId = "proc-1", CapturedAt = T0, EndState = SnapshotEndState.Done, SessionId = "ses_1" },
            (sink, token) => sink.WriteAsync("{}"u8.ToArray(), token).AsTask(),
            (sink, token) => sink.WriteAsync(archive, token).AsTask(),
            cancellationToken);

    private long WrittenBytes() =>
        Directory.Exists(Workdir) ? Directory.EnumerateFiles(Workdir, "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length) : 0;

    private static Task ExportAsync(string path, CancellationToken cancellationToken) => File.WriteAllTextAsync(path, "{}", cancellationToken);

    private static Task ImportAsync(string path, CancellationToken cancellationToken) => Task.CompletedTask;
}
