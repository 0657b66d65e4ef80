using System.Text;
using Opencode.Sessions.Hosting;
using Opencode.Sessions.Testing;

namespace Opencode.Sessions.Tests.Testing;

/// <summary>The fake host applies the real hosts' rules to work-directory files (issue 8): links, special files, hard links.</summary>
[TestFixture]
[Category("Security")]
public sealed class FakeHostWorkdirFilesTests
{
    private const string Workdir = "/srv/tasks/p1/workdir";
    private FakeHost _host = null!;

    [SetUp]
    public async Task SetUp()
    {
        _host = new FakeHost("/srv/tasks/p1");
        await _host.SetupWorkdirAsync(CancellationToken.None);
        _host.AddFile("/secret.txt", "secret");
        _host.AddFile(Workdir + "/deliverables/out.txt", "genuine");
    }

    [TearDown]
    public async Task TearDown() => await _host.DisposeAsync();

    [Test]
    [CancelAfter(5_000)]
    public async Task OpenWorkdirFile_RegularFile_ReadsIt(CancellationToken cancellationToken)
    {
        using var reader = new StreamReader(await _host.OpenWorkdirFileAsync("deliverables/./out.txt", cancellationToken));

        Assert.That(await reader.ReadToEndAsync(cancellationToken), Is.EqualTo("genuine"));
    }

    [TestCase("deliverables/leak.txt", UnsafeWorkdirPathReason.SymbolicLink)]
    [TestCase("alias/out.txt", UnsafeWorkdirPathReason.SymbolicLink)]
    [TestCase("deliverables/pipe", UnsafeWorkdirPathReason.NotRegularFile)]
    [TestCase("deliverables", UnsafeWorkdirPathReason.NotRegularFile)]
    [TestCase("deliverables/out.txt/x", UnsafeWorkdirPathReason.NotRegularFile)]
    [TestCase("deliverables/hard.txt", UnsafeWorkdirPathReason.HardLink)]
    [TestCase("deliverables/none.txt", UnsafeWorkdirPathReason.NotFound)]
    [TestCase("missing/none.txt", UnsafeWorkdirPathReason.NotFound)]
    [TestCase("../secret.txt", UnsafeWorkdirPathReason.EscapesWorkdir)]
    [TestCase("/secret.txt", UnsafeWorkdirPathReason.EscapesWorkdir)]
    [TestCase("", UnsafeWorkdirPathReason.EscapesWorkdir)]
    [CancelAfter(5_000)]
    public async Task OpenWorkdirFile_UnsafePath_RefusedWithItsReason(string relative, UnsafeWorkdirPathReason expected, CancellationToken cancellationToken)
    {
        _host.AddSymlink(Workdir + "/deliverables/leak.txt", "/secret.txt");
        _host.AddSymlink(Workdir + "/alias", "deliverables");
        _host.AddSpecialFile(Workdir + "/deliverables/pipe");
        _host.AddHardLink(Workdir + "/deliverables/hard.txt", "/secret.txt");

        var ex = await Assert.ThrowsAsync<UnsafeWorkdirPathException>(() => _host.OpenWorkdirFileAsync(relative, cancellationToken));

        Assert.That(ex!.Reason, Is.EqualTo(expected));
    }

    [Test]
    [CancelAfter(5_000)]
    public async Task WriteWorkdirFile_ThroughDirectoryLinkRefused_OverFileLinkReplacesTheLink(CancellationToken cancellationToken)
    {
        _host.AddSymlink(Workdir + "/out", "/etc");
        _host.AddSymlink(Workdir + "/config.json", "/secret.txt");

        var ex = await Assert.ThrowsAsync<UnsafeWorkdirPathException>(() => _host.WriteWorkdirFileAsync("out/passwd", new MemoryStream("x"u8.ToArray()), null, cancellationToken));
        await _host.WriteWorkdirFileAsync("config.json", new MemoryStream("{}"u8.ToArray()), null, cancellationToken);
        await _host.WriteWorkdirFileAsync("new/dir/f.txt", new MemoryStream("f"u8.ToArray()), UnixFileMode.UserRead, cancellationToken);

        Assert.That(ex!.Reason, Is.EqualTo(UnsafeWorkdirPathReason.SymbolicLink));
        Assert.That(_host.FileExists("/etc/passwd"), Is.False);
        Assert.That(_host.ReadAllText("/secret.txt"), Is.EqualTo("secret"));
        Assert.That(Encoding.UTF8.GetString(_host.ReadAllBytes(Workdir + "/config.json")), Is.EqualTo("{}"));
        Assert.That(_host.GetFileMode(Workdir + "/new/dir/f.txt"), Is.EqualTo(UnixFileMode.UserRead));
    }
}
