using System.Text;
using Opencode.Sessions.Conversations;

namespace Opencode.Sessions.Tests.Conversations;

[NonParallelizable]
public sealed class UploadedFilesPromptTests
{
    private TestFiles _files = null!;

    [SetUp]
    public void SetUp() => _files = new TestFiles();

    [TearDown]
    public void TearDown() => _files.Dispose();

    private static UploadedFile Upload(string name, string content, string type = "text/plain") =>
        UploadedFile.FromBytes(name, type, Encoding.UTF8.GetBytes(content));

    [Test, CancelAfter(10_000)]
    public async Task CreateAsync_NoFiles_ReturnsTextUnchanged(CancellationToken cancellationToken)
    {
        var prompt = await UploadedFilesPrompt.CreateAsync("  just text ", [], Path.Combine(_files.Root, "never"), _ => "x", cancellationToken);

        Assert.That(prompt.Text, Is.EqualTo("  just text "));
        Assert.That(prompt.SandboxFileNames, Is.Empty);
        Assert.That(Directory.Exists(Path.Combine(_files.Root, "never")), Is.False);
    }

    [Test, CancelAfter(10_000)]
    public async Task CreateAsync_TwoFiles_CopiesAndDescribesThemNeutrally(CancellationToken cancellationToken)
    {
        var sandbox = Path.Combine(_files.Root, "sb");
        var uploads = new[] { Upload("Report Q3.pdf", "PDF", "application/pdf"), Upload("notes.txt", "hello") };

        var prompt = await UploadedFilesPrompt.CreateAsync("Summarize these.", uploads, sandbox, f => "upload-" + f.FileName.Replace(' ', '_'), cancellationToken);

        Assert.That(prompt.Text, Is.EqualTo(
            "Summarize these.\n\nThe user uploaded 2 file(s). Read each file thoroughly before responding:\n" +
            "Report Q3.pdf -> upload-Report_Q3.pdf (application/pdf, 3 bytes)\n" +
            "notes.txt -> upload-notes.txt (text/plain, 5 bytes)"));
        Assert.That(prompt.SandboxFileNames["upload-notes.txt"], Is.EqualTo("notes.txt"));
        Assert.That(File.ReadAllText(Path.Combine(sandbox, "upload-notes.txt")), Is.EqualTo("hello"));
        Assert.That(Directory.GetFiles(sandbox).Select(Path.GetFileName), Is.EquivalentTo(new[] { "upload-Report_Q3.pdf", "upload-notes.txt" }), "no temp files left");
    }

    [TestCase("../sb-10/evil.txt")]
    [TestCase("..")]
    [TestCase(".")]
    [TestCase("sub/evil.txt")]
    [TestCase("")]
    [CancelAfter(10_000)]
    public async Task CreateAsync_NameIsNotPlainFileName_Throws(string name, CancellationToken cancellationToken)
    {
        var sandbox = _files.Dir("sb-1");
        var sibling = _files.Dir("sb-10");

        await Assert.ThrowsAsync<ArgumentException>(() => UploadedFilesPrompt.CreateAsync("x", [Upload("a.txt", "evil")], sandbox, _ => name, cancellationToken));

        Assert.That(Directory.GetFiles(sibling), Is.Empty);
    }

    [Test, CancelAfter(10_000)]
    public async Task CreateAsync_SandboxIsSymlink_Throws(CancellationToken cancellationToken)
    {
        var real = _files.Dir("real");
        var link = Path.Combine(_files.Root, "link");
        Directory.CreateSymbolicLink(link, real);

        await Assert.ThrowsAsync<ArgumentException>(() => UploadedFilesPrompt.CreateAsync("x", [Upload("a.txt", "a")], link, _ => "a.txt", cancellationToken));

        Assert.That(Directory.GetFiles(real), Is.Empty);
    }

    [Test, CancelAfter(10_000)]
    public async Task CreateAsync_SymlinkAtDestination_IsReplacedNotFollowed(CancellationToken cancellationToken)
    {
        var sandbox = _files.Dir("sb");
        var outside = Path.Combine(_files.Dir("outside"), "target.txt");
        File.WriteAllText(outside, "original");
        File.CreateSymbolicLink(Path.Combine(sandbox, "a.txt"), outside);

        await UploadedFilesPrompt.CreateAsync("x", [Upload("a.txt", "uploaded")], sandbox, _ => "a.txt", cancellationToken);

        Assert.That(File.ReadAllText(outside), Is.EqualTo("original"));
        Assert.That(new FileInfo(Path.Combine(sandbox, "a.txt")).LinkTarget, Is.Null);
        Assert.That(File.ReadAllText(Path.Combine(sandbox, "a.txt")), Is.EqualTo("uploaded"));
    }

    [Test, CancelAfter(10_000)]
    public async Task CreateAsync_Retry_RefreshesStaleCopyAndKeepsItsMode(CancellationToken cancellationToken)
    {
        var sandbox = _files.Dir("sb");
        var existing = Path.Combine(sandbox, "a.txt");
        File.WriteAllText(existing, "stale and longer");
        File.SetUnixFileMode(existing, UnixFileMode.UserRead | UnixFileMode.UserWrite);

        await UploadedFilesPrompt.CreateAsync("x", [Upload("a.txt", "fresh")], sandbox, _ => "a.txt", cancellationToken);

        Assert.That(File.ReadAllText(existing), Is.EqualTo("fresh"));
        Assert.That(File.GetUnixFileMode(existing), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite));
    }

    [Test, CancelAfter(10_000)]
    public async Task CreateAsync_NewFile_GetsDefaultModeMinusUmask(CancellationToken cancellationToken)
    {
        var sandbox = _files.Dir("sb");
        var reference = Path.Combine(_files.Root, "reference.txt");
        await File.WriteAllTextAsync(reference, "r", cancellationToken);

        await UploadedFilesPrompt.CreateAsync("x", [Upload("a.txt", "a")], sandbox, _ => "a.txt", cancellationToken);

        Assert.That(File.GetUnixFileMode(Path.Combine(sandbox, "a.txt")), Is.EqualTo(File.GetUnixFileMode(reference)));
    }

    [Test, CancelAfter(10_000)]
    public async Task CreateAsync_SandboxSwappedMidCopy_RemovesCopyAndThrows(CancellationToken cancellationToken)
    {
        var sandbox = _files.Dir("sb");
        var moved = Path.Combine(_files.Root, "moved");

        var error = await Assert.ThrowsAsync<ArgumentException>(() => UploadedFilesPrompt.CreateAsync(
            "x",
            [Upload("a.txt", "a")],
            sandbox,
            _ => "a.txt",
            afterDirectoryOpened: () =>
            {
                Directory.Move(sandbox, moved);
                Directory.CreateDirectory(sandbox);
            },
            cancellationToken));

        Assert.That(error!.Message, Does.Contain("replaced"));
        Assert.That(Directory.GetFiles(moved), Is.Empty, "the copy written into the swapped-away directory was removed");
        Assert.That(Directory.GetFiles(sandbox), Is.Empty, "nothing was written into the new directory");
    }
}
