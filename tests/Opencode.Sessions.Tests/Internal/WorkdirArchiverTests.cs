using System.Diagnostics;
using System.Runtime.Versioning;
using Microsoft.Extensions.Logging.Abstractions;
using Opencode.Sessions.Workdir;
using Opencode.Sessions.Tests.Snapshots;

namespace Opencode.Sessions.Tests.Internal;

[UnsupportedOSPlatform("windows")]
public sealed class WorkdirArchiverTests
{
    private TempDirectory _temp = null!;

    private string Source => _temp.Combine("source");

    private string Target => _temp.Combine("target");

    [SetUp]
    public void SetUp()
    {
        _temp = new TempDirectory();
        Directory.CreateDirectory(Source);
    }

    [TearDown]
    public void TearDown() => _temp.Dispose();

    [Test]
    [CancelAfter(20_000)]
    public async Task WriteThenExtract_TypicalWorkdir_RestoresFilesModesEmptyDirsAndLinks(CancellationToken cancellationToken)
    {
        // Arrange
        Write("a.txt", "hello");
        Write("bin/run.sh", "#!/bin/sh\necho hi\n");
        File.SetUnixFileMode(Path.Combine(Source, "bin/run.sh"), (UnixFileMode)0x1ED); // 0755
        Write("src/lib/x.cs", "class X {}");
        Directory.CreateDirectory(Path.Combine(Source, "empty"));
        File.CreateSymbolicLink(Path.Combine(Source, "link"), "src/lib/x.cs");
        File.CreateSymbolicLink(Path.Combine(Source, "srclink"), "src");
        var modified = new DateTime(2025, 1, 2, 3, 4, 5, DateTimeKind.Utc);
        File.SetLastWriteTimeUtc(Path.Combine(Source, "a.txt"), modified);
        Directory.CreateDirectory(Target);
        await File.WriteAllTextAsync(Path.Combine(Target, "stale.txt"), "from before", cancellationToken);

        // Act
        var archive = await ArchiveAsync([], cancellationToken);
        await WorkdirArchiver.ExtractAsync(new MemoryStream(archive), Target, NullLogger.Instance, cancellationToken);

        // Assert
        Assert.That(TestArchives.Names(archive), Is.EquivalentTo(new[] { "a.txt", "link", "srclink", "bin/", "bin/run.sh", "empty/", "src/", "src/lib/", "src/lib/x.cs" }));
        Assert.That(File.Exists(Path.Combine(Target, "stale.txt")), Is.False, "the work directory is emptied first");
        Assert.That(await File.ReadAllTextAsync(Path.Combine(Target, "a.txt"), cancellationToken), Is.EqualTo("hello"));
        Assert.That(File.GetLastWriteTimeUtc(Path.Combine(Target, "a.txt")), Is.EqualTo(modified));
        Assert.That(File.GetUnixFileMode(Path.Combine(Target, "bin/run.sh")), Is.EqualTo((UnixFileMode)0x1ED));
        Assert.That(Directory.Exists(Path.Combine(Target, "empty")), Is.True);
        Assert.That(new FileInfo(Path.Combine(Target, "link")).LinkTarget, Is.EqualTo("src/lib/x.cs"));
        Assert.That(new FileInfo(Path.Combine(Target, "srclink")).LinkTarget, Is.EqualTo("src"));
        Assert.That(await File.ReadAllTextAsync(Path.Combine(Target, "link"), cancellationToken), Is.EqualTo("class X {}"));
    }

    [Test]
    [CancelAfter(20_000)]
    public async Task WriteAsync_DefaultExcludes_LeavesOutDefaultsAndHarnessFilesAtAnyDepth(CancellationToken cancellationToken)
    {
        Write("keep.txt", "k");
        Write(".git/config", "x");
        Write("web/node_modules/m/index.js", "x");
        Write("py/__pycache__/m.cpython.pyc", "x");
        Write("py/m.pyc", "x");
        Write(".DS_Store", "x");
        Write(".opencode-password", "secret");
        Write(".opencode-export.json", "{}");
        Write("sub/.opencode-password", "not the harness's");

        var names = TestArchives.Names(await ArchiveAsync(WorkdirExclusions.Defaults, cancellationToken));

        Assert.That(names, Is.EquivalentTo(new[] { "keep.txt", "py/", "sub/", "sub/.opencode-password", "web/" }));
    }

    [Test]
    [CancelAfter(20_000)]
    public async Task WriteAsync_EmptyExcludeList_KeepsEverythingButTheHarnessFiles(CancellationToken cancellationToken)
    {
        Write(".git/config", "x");
        Write("node_modules/m.js", "x");
        Write(".opencode-password", "secret");
        Write(".opencode-import.json", "{}");

        var names = TestArchives.Names(await ArchiveAsync([], cancellationToken));

        Assert.That(names, Is.EquivalentTo(new[] { ".git/", ".git/config", "node_modules/", "node_modules/m.js" }));
    }

    [Test]
    [CancelAfter(20_000)]
    public async Task WriteAsync_PatternOnFullPath_ExcludesMatchingSubtree(CancellationToken cancellationToken)
    {
        Write("docs/a.md", "x");
        Write("docs/keep.txt", "x");
        Write("docs/deep/b.md", "x");
        Write("c.md", "x");

        var names = TestArchives.Names(await ArchiveAsync(["docs/*.md"], cancellationToken));

        Assert.That(names, Is.EquivalentTo(new[] { "c.md", "docs/", "docs/keep.txt", "docs/deep/" }));
    }

    [Test]
    [CancelAfter(20_000)]
    public async Task WriteAsync_FifoAndEscapingSymlinks_AreSkipped(CancellationToken cancellationToken)
    {
        Write("ok.txt", "x");
        using (var mkfifo = Process.Start("mkfifo", Path.Combine(Source, "pipe")))
        {
            await mkfifo.WaitForExitAsync(cancellationToken);
            Assert.That(mkfifo.ExitCode, Is.Zero, "mkfifo failed");
        }

        File.CreateSymbolicLink(Path.Combine(Source, "passwd"), "/etc/passwd");
        File.CreateSymbolicLink(Path.Combine(Source, "up"), "../outside");

        var names = TestArchives.Names(await ArchiveAsync([], cancellationToken));

        Assert.That(names, Is.EqualTo(new[] { "ok.txt" }));
    }

    [Test]
    [CancelAfter(20_000)]
    public async Task ExtractAsync_MissingWorkdir_IsCreatedPrivate(CancellationToken cancellationToken)
    {
        var archive = TestArchives.Build(TestArchives.File("f.txt", "x"));

        await WorkdirArchiver.ExtractAsync(new MemoryStream(archive), Target, NullLogger.Instance, cancellationToken);

        Assert.That(File.GetUnixFileMode(Target), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute));
        Assert.That(File.Exists(Path.Combine(Target, "f.txt")), Is.True);
    }

    [Test]
    [CancelAfter(20_000)]
    public async Task ExtractAsync_NotAnArchive_FailsWithoutTouchingTheWorkdir(CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Target);
        await File.WriteAllTextAsync(Path.Combine(Target, "precious.txt"), "keep me", cancellationToken);

        await Assert.CatchAsync<Exception>(() => WorkdirArchiver.ExtractAsync(new MemoryStream(new byte[] { 1, 2, 3, 4, 5 }), Target, NullLogger.Instance, cancellationToken));

        Assert.That(File.Exists(Path.Combine(Target, "precious.txt")), Is.True);
    }

    [Test]
    [CancelAfter(20_000)]
    public async Task ExtractAsync_GnuTarStyleNamesAndHardLink_AreRestored(CancellationToken cancellationToken)
    {
        var setuid = (UnixFileMode)0x9ED; // 04755
        var archive = TestArchives.Build(
            TestArchives.Directory("./"),
            TestArchives.Directory("./d/"),
            TestArchives.File("./d/f.txt", "content"),
            TestArchives.HardLink("./h.txt", "./d/f.txt"));
        var withSetuid = TestArchives.Build(new System.Formats.Tar.PaxTarEntry(System.Formats.Tar.TarEntryType.RegularFile, "tool") { Mode = setuid, DataStream = new MemoryStream([1]) });

        await WorkdirArchiver.ExtractAsync(new MemoryStream(archive), Target, NullLogger.Instance, cancellationToken);
        Assert.That(await File.ReadAllTextAsync(Path.Combine(Target, "h.txt"), cancellationToken), Is.EqualTo("content"));
        Assert.That(await File.ReadAllTextAsync(Path.Combine(Target, "d/f.txt"), cancellationToken), Is.EqualTo("content"));
        await WorkdirArchiver.ExtractAsync(new MemoryStream(withSetuid), Target, NullLogger.Instance, cancellationToken);

        Assert.That(File.GetUnixFileMode(Path.Combine(Target, "tool")), Is.EqualTo((UnixFileMode)0x1ED), "setuid must be dropped");
    }

    [Test]
    [CancelAfter(20_000)]
    public async Task ExtractAsync_WorkdirHasSymlinksOutside_RemovesThemWithoutFollowing(CancellationToken cancellationToken)
    {
        var outside = _temp.Combine("outside");
        Directory.CreateDirectory(outside);
        await File.WriteAllTextAsync(Path.Combine(outside, "secret"), "s", cancellationToken);
        Directory.CreateDirectory(Target);
        Directory.CreateSymbolicLink(Path.Combine(Target, "data"), outside);
        var archive = TestArchives.Build(TestArchives.File("data/x", "new"));

        await WorkdirArchiver.ExtractAsync(new MemoryStream(archive), Target, NullLogger.Instance, cancellationToken);

        Assert.That(Directory.GetFiles(outside).Select(Path.GetFileName), Is.EqualTo(new[] { "secret" }));
        Assert.That(new DirectoryInfo(Path.Combine(Target, "data")).LinkTarget, Is.Null);
        Assert.That(await File.ReadAllTextAsync(Path.Combine(Target, "data/x"), cancellationToken), Is.EqualTo("new"));
    }

    [Test]
    [CancelAfter(20_000)]
    public async Task ValidateAndCopyAsync_BenignArchive_CopyExtractsToTheSameTree(CancellationToken cancellationToken)
    {
        Write("a/b.txt", "b");
        File.CreateSymbolicLink(Path.Combine(Source, "a/l"), "../a/b.txt");
        var archive = await ArchiveAsync([], cancellationToken);
        using var copy = new MemoryStream();

        await WorkdirArchiver.ValidateAndCopyAsync(new MemoryStream(archive), copy, "/remote/task/workdir", cancellationToken);
        await WorkdirArchiver.ExtractAsync(new MemoryStream(copy.ToArray()), Target, NullLogger.Instance, cancellationToken);

        Assert.That(TestArchives.Names(copy.ToArray()), Is.EqualTo(TestArchives.Names(archive)));
        Assert.That(await File.ReadAllTextAsync(Path.Combine(Target, "a/l"), cancellationToken), Is.EqualTo("b"));
    }

    [Test]
    [CancelAfter(20_000)]
    public async Task ValidateAndCopyAsync_GnuNames_AreNormalised(CancellationToken cancellationToken)
    {
        var archive = TestArchives.Build(TestArchives.Directory("./"), TestArchives.Directory("./d/"), TestArchives.File("./d/f", "x"));
        using var copy = new MemoryStream();

        await WorkdirArchiver.ValidateAndCopyAsync(new MemoryStream(archive), copy, "/w", cancellationToken);

        Assert.That(TestArchives.Names(copy.ToArray()), Is.EqualTo(new[] { "d/", "d/f" }));
    }

    private void Write(string relative, string content)
    {
        var path = Path.Combine(Source, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
    }

    private async Task<byte[]> ArchiveAsync(IReadOnlyList<string> exclude, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        await WorkdirArchiver.WriteAsync(Source, buffer, exclude, NullLogger.Instance, cancellationToken);
        return buffer.ToArray();
    }
}
