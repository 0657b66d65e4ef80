using Opencode.Sessions.Conversations;
using Opencode.Sessions.Internal;

namespace Opencode.Sessions.Tests.Conversations;

[NonParallelizable]
public sealed class SandboxFileTests
{
    private TestFiles _files = null!;
    private string _sandboxPath = null!;
    private string _outside = null!;

    [SetUp]
    public void SetUp()
    {
        _files = new TestFiles();
        _sandboxPath = _files.Dir("sb-1");
        _outside = Path.Combine(_files.Dir("elsewhere"), "secret.txt");
        File.WriteAllText(_outside, "secret");
    }

    [TearDown]
    public void TearDown()
    {
        UnixSafeIo.SimulateUnsupported = false;
        _files.Dispose();
    }

    private string Write(string name, string content)
    {
        var path = Path.Combine(_sandboxPath, name);
        File.WriteAllText(path, content);
        return path;
    }

    private SandboxFile Get(string name, long max = 1024) =>
        new Sandbox(_sandboxPath, max).Files().Single(f => f.FileName == name);

    [Test, CancelAfter(10_000)]
    public async Task ReadAllBytesAsync_RegularFile_ReturnsContentAndArtifact(CancellationToken cancellationToken)
    {
        Write("report.md", "# Report");
        var file = Get("report.md");

        var artifact = await file.ToArtifactAsync(cancellationToken);

        Assert.That(System.Text.Encoding.UTF8.GetString(artifact.Content.Span), Is.EqualTo("# Report"));
        Assert.That(artifact.ContentType, Is.EqualTo("text/markdown"));
        Assert.That(artifact.FileName, Is.EqualTo("report.md"));
    }

    [Test, CancelAfter(10_000)]
    public async Task ReadAllBytesAsync_EmptyFile_ReturnsEmpty(CancellationToken cancellationToken)
    {
        Write("empty.txt", "");

        Assert.That(await Get("empty.txt").ReadAllBytesAsync(cancellationToken), Is.Empty);
    }

    [Test]
    public void Files_SymlinkHardLinkFifoSocketDotfileAndDirectory_AreSkipped()
    {
        Write("ok.txt", "ok");
        Write(".hidden", "x");
        File.CreateSymbolicLink(Path.Combine(_sandboxPath, "link.txt"), _outside);
        TestFiles.HardLink(_outside, Path.Combine(_sandboxPath, "hard.txt"));
        TestFiles.Fifo(Path.Combine(_sandboxPath, "fifo"));
        _files.UnixSocket(Path.Combine(_sandboxPath, "sock"));
        Directory.CreateDirectory(Path.Combine(_sandboxPath, "sub"));
        File.WriteAllText(Path.Combine(_sandboxPath, "sub", "nested.txt"), "n");

        Assert.That(new Sandbox(_sandboxPath).Files().Select(f => f.FileName), Is.EqualTo(new[] { "ok.txt" }));
    }

    [Test]
    public void Files_OversizeFile_IsSkipped()
    {
        Write("big.txt", new string('x', 2000));
        Write("small.txt", "x");

        Assert.That(new Sandbox(_sandboxPath, 1024).Files().Select(f => f.FileName), Is.EqualTo(new[] { "small.txt" }));
    }

    [Test]
    public void Files_OldFiles_FilteredByCutoffWithSlack()
    {
        var old = Write("old.txt", "o");
        File.SetLastWriteTimeUtc(old, DateTime.UtcNow.AddMinutes(-10));
        var skewed = Write("skewed.txt", "s");
        File.SetLastWriteTimeUtc(skewed, DateTime.UtcNow.AddSeconds(-1));
        var after = DateTimeOffset.UtcNow;

        Assert.That(new Sandbox(_sandboxPath).Files(after).Select(f => f.FileName), Is.EqualTo(new[] { "skewed.txt" }));
        Assert.That(new Sandbox(_sandboxPath).Files().Select(f => f.FileName), Is.EqualTo(new[] { "old.txt", "skewed.txt" }));
    }

    [Test]
    public void Files_SandboxPathIsPrefixOfSibling_SiblingFilesNotInside()
    {
        var sibling = _files.Dir("sb-10");
        File.WriteAllText(Path.Combine(sibling, "x.txt"), "x");
        File.CreateSymbolicLink(Path.Combine(_sandboxPath, "x.txt"), Path.Combine(sibling, "x.txt"));

        Assert.That(new Sandbox(_sandboxPath).Files(), Is.Empty);
    }

    [Test]
    public void Files_SandboxReachedThroughSymlinkedParent_StillWorks()
    {
        var alias = Path.Combine(_files.Root, "alias");
        Directory.CreateSymbolicLink(alias, _sandboxPath);
        Write("ok.txt", "ok");

        Assert.That(new Sandbox(alias).Files().Select(f => f.FileName), Is.EqualTo(new[] { "ok.txt" }));
    }

    [TestCase("symlink")]
    [TestCase("hardlink")]
    [TestCase("fifo")]
    [TestCase("socket")]
    [CancelAfter(10_000)]
    public async Task ReadAllBytesAsync_EntrySwappedBeforeOpen_Refused(string kind, CancellationToken cancellationToken)
    {
        var path = Write("doc.txt", "fine");
        var file = Get("doc.txt");
        file.BeforeOpen = () =>
        {
            switch (kind)
            {
                case "symlink":
                    TestFiles.Swap(path, side => File.CreateSymbolicLink(side, _outside));
                    break;
                case "hardlink":
                    TestFiles.Swap(path, side => TestFiles.HardLink(_outside, side));
                    break;
                case "fifo":
                    TestFiles.Swap(path, TestFiles.Fifo);
                    break;
                default:
                    File.Delete(path);
                    _files.UnixSocket(path);
                    break;
            }
        };

        var error = await Assert.ThrowsAsync<UnsafeSandboxFileException>(() => file.ReadAllBytesAsync(cancellationToken));

        Assert.That(error!.Message, Does.Contain("doc.txt"));
        Assert.That(error.Message, Does.Contain("open"), "refused by O_NOFOLLOW/fstat, after the path checks had passed");
        Assert.That(error.Message, Does.Not.Contain("secret"));
    }

    [Test, CancelAfter(10_000)]
    public async Task ReadAllBytesAsync_FileGrowsPastCapWhileReading_Refused(CancellationToken cancellationToken)
    {
        var path = Write("grow.txt", new string('a', 1000));
        var file = Get("grow.txt", max: 1024);
        file.BeforeRead = () => File.AppendAllText(path, new string('b', 100));

        var error = await Assert.ThrowsAsync<UnsafeSandboxFileException>(() => file.ReadAllBytesAsync(cancellationToken));

        Assert.That(error!.Message, Does.Contain("while reading"));
    }

    [Test, CancelAfter(10_000)]
    public async Task ReadAllBytesAsync_FileGrowsWithinCap_ReturnsEverything(CancellationToken cancellationToken)
    {
        var path = Write("grow.txt", "abc");
        var file = Get("grow.txt");
        file.BeforeRead = () => File.AppendAllText(path, "def");

        Assert.That(await file.ReadAllBytesAsync(cancellationToken), Is.EqualTo("abcdef"u8.ToArray()));
    }

    [Test, CancelAfter(10_000)]
    public async Task ReadAllBytesAsync_FileReplacedByOversizeFile_Refused(CancellationToken cancellationToken)
    {
        var path = Write("doc.txt", "small");
        var file = Get("doc.txt", max: 1024);
        File.WriteAllText(path, new string('x', 5000));

        Assert.That(file.IsSafe(), Is.False);
        await Assert.ThrowsAsync<UnsafeSandboxFileException>(() => file.ReadAllBytesAsync(cancellationToken));
    }

    [Test, CancelAfter(10_000)]
    public async Task ReadAllBytesAsync_PlatformWithoutNoFollow_FailsClosed(CancellationToken cancellationToken)
    {
        Write("doc.txt", "fine");
        var file = Get("doc.txt");
        UnixSafeIo.SimulateUnsupported = true;

        Assert.That(file.IsSafe(), Is.False);
        var error = await Assert.ThrowsAsync<UnsafeSandboxFileException>(() => file.ReadAllBytesAsync(cancellationToken));
        Assert.That(error!.InnerException, Is.TypeOf<PlatformNotSupportedException>());
        Assert.That(new Sandbox(_sandboxPath).Files(), Is.Empty);
    }
}
