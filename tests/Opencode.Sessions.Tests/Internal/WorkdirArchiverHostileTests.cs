using System.Formats.Tar;
using Microsoft.Extensions.Logging.Abstractions;
using Opencode.Sessions.Workdir;
using Opencode.Sessions.Tests.Snapshots;

namespace Opencode.Sessions.Tests.Internal;

/// <summary>Crafted archives that try to write outside the work directory; each must be refused before it can.</summary>
public sealed class WorkdirArchiverHostileTests
{
    private TempDirectory _temp = null!;

    private string Workdir => _temp.Combine("task", "workdir");

    private string Outside => _temp.Combine("outside");

    [SetUp]
    public void SetUp()
    {
        _temp = new TempDirectory();
        Directory.CreateDirectory(Outside);
        File.WriteAllText(Path.Combine(Outside, "secret"), "original");
    }

    [TearDown]
    public void TearDown() => _temp.Dispose();

    public static IEnumerable<TestCaseData> HostileArchives()
    {
        TestCaseData Case(string name, string reason, params TarEntry[] entries) =>
            new TestCaseData(entries, reason).SetName("ExtractAsync_" + name + "_IsRefused");

        var ok = TestArchives.File("ok.txt", "fine");
        yield return Case("DotDotEntry", "'..' segment", ok, TestArchives.File("../evil", "x"));
        yield return Case("DotDotDeepInside", "'..' segment", TestArchives.File("a/b/../../../outside/secret", "pwned"));
        yield return Case("AbsoluteEntry", "absolute path", TestArchives.File("/tmp/ocs-absolute-evil", "x"));
        yield return Case("SymlinkToAbsoluteOutside", "points outside", TestArchives.Symlink("link", "/etc"));
        yield return Case("SymlinkClimbingOut", "points outside", TestArchives.Symlink("link", "../../outside"));
        yield return Case("SymlinkThenFileThroughIt", "goes through the symbolic link", TestArchives.Directory("sub/"), TestArchives.Symlink("d", "sub"), TestArchives.File("d/x", "x"));
        yield return Case("SymlinkThenDirectoryThroughIt", "goes through the symbolic link", TestArchives.Symlink("d", "."), TestArchives.Directory("d/inner/"));
        yield return Case("DotDotAfterSymlinkInTarget", "uses '..' after a path component", TestArchives.Symlink("a", "."), TestArchives.Symlink("b", "a/../outside"));
        yield return Case("HardLinkClimbingOut", "'..' segment", TestArchives.HardLink("h", "../../outside/secret"));
        yield return Case("HardLinkAbsolute", "absolute path", TestArchives.HardLink("h", "/etc/passwd"));
        yield return Case("HardLinkToNothingEarlier", "not a regular file stored earlier", TestArchives.HardLink("h", "later"), TestArchives.File("later", "x"));
        yield return Case("HardLinkToSymlink", "not a regular file stored earlier", TestArchives.Symlink("s", "ok.txt"), TestArchives.HardLink("h", "s"));
        yield return Case("CharacterDevice", "device files", TestArchives.Special(TarEntryType.CharacterDevice, "null"));
        yield return Case("BlockDevice", "device files", TestArchives.Special(TarEntryType.BlockDevice, "sda"));
        yield return Case("Fifo", "FIFOs", TestArchives.Special(TarEntryType.Fifo, "pipe"));
        yield return Case("FileReplacingSymlink", "appears twice", TestArchives.Symlink("x", "ok.txt"), TestArchives.File("x", "x"));
        yield return Case("FileReplacingDirectory", "appears twice", TestArchives.Directory("d/"), TestArchives.File("d", "x"));
        yield return Case("FileUnderFile", "not a directory", TestArchives.File("f", "x"), TestArchives.File("f/g", "x"));
    }

    [TestCaseSource(nameof(HostileArchives))]
    [CancelAfter(20_000)]
    public async Task ExtractAsync_HostileArchive_IsRefusedAndNothingIsWrittenOutside(TarEntry[] entries, string reason, CancellationToken cancellationToken)
    {
        // Arrange
        var archive = TestArchives.Build(entries);

        // Act
        var ex = await Assert.ThrowsAsync<UnsafeArchiveEntryException>(() => WorkdirArchiver.ExtractAsync(new MemoryStream(archive), Workdir, NullLogger.Instance, cancellationToken));

        // Assert
        Assert.That(ex!.Reason, Does.Contain(reason));
        Assert.That(ex.Message, Does.Contain(ex.EntryName).And.Contain("nothing was written outside the work directory"));
        AssertNothingEscaped();
    }

    [TestCaseSource(nameof(HostileArchives))]
    [CancelAfter(20_000)]
    public async Task ValidateAndCopyAsync_HostileArchive_IsRefused(TarEntry[] entries, string reason, CancellationToken cancellationToken)
    {
        var archive = TestArchives.Build(entries);

        var ex = await Assert.ThrowsAsync<UnsafeArchiveEntryException>(() => WorkdirArchiver.ValidateAndCopyAsync(new MemoryStream(archive), Stream.Null, "/remote/task/workdir", cancellationToken));

        Assert.That(ex!.Reason, Does.Contain(reason));
    }

    [Test]
    [CancelAfter(20_000)]
    public async Task ExtractAsync_SafeEntriesBeforeTheHostileOne_StayInsideOnly(CancellationToken cancellationToken)
    {
        var archive = TestArchives.Build(TestArchives.File("first.txt", "1"), TestArchives.Symlink("l", "first.txt"), TestArchives.File("../../escape", "x"));

        await Assert.ThrowsAsync<UnsafeArchiveEntryException>(() => WorkdirArchiver.ExtractAsync(new MemoryStream(archive), Workdir, NullLogger.Instance, cancellationToken));

        Assert.That(File.ReadAllText(Path.Combine(Workdir, "first.txt")), Is.EqualTo("1"));
        AssertNothingEscaped();
    }

    [Test]
    [CancelAfter(20_000)]
    public async Task ExtractAsync_HostileFirstEntry_LeavesTheWorkdirUntouched(CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Workdir);
        File.WriteAllText(Path.Combine(Workdir, "current.txt"), "keep");
        var archive = TestArchives.Build(TestArchives.Symlink("l", "/etc"), TestArchives.File("x", "x"));

        await Assert.ThrowsAsync<UnsafeArchiveEntryException>(() => WorkdirArchiver.ExtractAsync(new MemoryStream(archive), Workdir, NullLogger.Instance, cancellationToken));

        Assert.That(Directory.GetFileSystemEntries(Workdir).Select(Path.GetFileName), Is.EqualTo(new[] { "current.txt" }));
    }

    [Test]
    [CancelAfter(20_000)]
    public async Task ExtractAsync_RelativeSymlinksThatStayInside_AreAccepted(CancellationToken cancellationToken)
    {
        var archive = TestArchives.Build(
            TestArchives.File("lib/a.js", "a"),
            TestArchives.Symlink("node/.bin/tool", "../../lib/a.js"),
            TestArchives.Symlink("self", "."),
            TestArchives.Symlink("abs", Path.Combine(Workdir, "lib", "a.js")));

        await WorkdirArchiver.ExtractAsync(new MemoryStream(archive), Workdir, NullLogger.Instance, cancellationToken);

        Assert.That(File.ReadAllText(Path.Combine(Workdir, "node/.bin/tool")), Is.EqualTo("a"));
        Assert.That(File.ReadAllText(Path.Combine(Workdir, "abs")), Is.EqualTo("a"));
    }

    private void AssertNothingEscaped()
    {
        // A hostile first entry is refused before the work directory is even created.
        Assert.That(Directory.GetFileSystemEntries(_temp.Path).Select(Path.GetFileName), Is.SubsetOf(new[] { "task", "outside" }).And.Contains("outside"));
        var task = _temp.Combine("task");
        Assert.That(Directory.Exists(task) ? Directory.GetFileSystemEntries(task).Select(Path.GetFileName) : [], Is.SubsetOf(new[] { "workdir" }));
        Assert.That(Directory.GetFileSystemEntries(Outside).Select(Path.GetFileName), Is.EqualTo(new[] { "secret" }));
        Assert.That(File.ReadAllText(Path.Combine(Outside, "secret")), Is.EqualTo("original"));
        Assert.That(File.Exists("/tmp/ocs-absolute-evil"), Is.False);
    }
}
