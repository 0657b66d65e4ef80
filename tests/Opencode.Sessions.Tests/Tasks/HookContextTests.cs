using System.Text;
using Opencode.Sessions.Hosting;
using Opencode.Sessions.Testing;

namespace Opencode.Sessions.Tests.Tasks;

[TestFixture]
public sealed class HookContextTests
{
    private const string WorkDirectory = "/srv/tasks/p1/workdir";
    private FakeHost _host = null!;
    private RecordingProcessContext _context = null!;
    private HookContext _sut = null!;

    [SetUp]
    public void SetUp()
    {
        _host = new FakeHost("/srv/tasks/p1") { HomeDirectory = "/home/agent" };
        _context = new RecordingProcessContext("p1");
        _sut = new HookContext(_context, _host);
    }

    [TearDown]
    public async Task TearDown() => await _host.DisposeAsync();

    [Test]
    [CancelAfter(5_000)]
    public async Task ResolveTargetAsync_Empty_ThrowsArgumentException(CancellationToken cancellationToken) =>
        await Assert.ThrowsAsync<ArgumentException>(() => _sut.ResolveTargetAsync("", cancellationToken));

    [TestCase("/etc/app/config.json", "/etc/app/config.json")]
    [TestCase("/", "/")]
    [TestCase("/srv/tasks/p1/workdir/x", "/srv/tasks/p1/workdir/x")]
    [CancelAfter(5_000)]
    public async Task ResolveTargetAsync_Absolute_IsKept(string target, string expected, CancellationToken cancellationToken) =>
        Assert.That(await _sut.ResolveTargetAsync(target, cancellationToken), Is.EqualTo(expected));

    [TestCase("~", "/home/agent")]
    [TestCase("~/x", "/home/agent/x")]
    [TestCase("~/.config/tool/settings.json", "/home/agent/.config/tool/settings.json")]
    [TestCase("~/a/../b", "/home/agent/a/../b")]
    [CancelAfter(5_000)]
    public async Task ResolveTargetAsync_Tilde_IsUnderTheHostHomeAsGiven(string target, string expected, CancellationToken cancellationToken) =>
        Assert.That(await _sut.ResolveTargetAsync(target, cancellationToken), Is.EqualTo(expected));

    [Test]
    [CancelAfter(5_000)]
    public async Task ResolveTargetAsync_HomeWithTrailingSlash_JoinsWithOneSlash(CancellationToken cancellationToken)
    {
        await using var host = new FakeHost("/srv/tasks/p1") { HomeDirectory = "/home/agent/" };
        var sut = new HookContext(_context, host);

        Assert.That(await sut.ResolveTargetAsync("~/x", cancellationToken), Is.EqualTo("/home/agent/x"));
    }

    [TestCase("notes.md", WorkDirectory + "/notes.md")]
    [TestCase("sub/dir/f.txt", WorkDirectory + "/sub/dir/f.txt")]
    [TestCase("./a//b/", WorkDirectory + "/a/b")]
    [TestCase(".", WorkDirectory)]
    [TestCase("~user/x", WorkDirectory + "/~user/x")]
    [CancelAfter(5_000)]
    public async Task ResolveTargetAsync_Relative_IsUnderTheWorkDirectory(string target, string expected, CancellationToken cancellationToken)
    {
        Assert.That(await _sut.ResolveTargetAsync(target, cancellationToken), Is.EqualTo(expected));
        Assert.That(_host.Operations, Does.Not.Contain(nameof(IHost.ResolveHomeAsync)));
    }

    [TestCase("..")]
    [TestCase("../x")]
    [TestCase("a/../b")]
    [TestCase("a/b/..")]
    [CancelAfter(5_000)]
    public async Task ResolveTargetAsync_RelativeWithDotDot_ThrowsArgumentException(string target, CancellationToken cancellationToken)
    {
        var ex = (await Assert.ThrowsAsync<ArgumentException>(() => _sut.ResolveTargetAsync(target, cancellationToken)))!;
        Assert.That(ex.ParamName, Is.EqualTo("target"));
        Assert.That(ex.Message, Does.Contain(".."));
    }

    [TestCase("a/../../escape")]
    [TestCase("../../srv/tasks/p1/workdir-other/x")]
    [CancelAfter(5_000)]
    public async Task ResolveTargetAsync_RelativeEscaping_ThrowsArgumentException(string target, CancellationToken cancellationToken) =>
        await Assert.ThrowsAsync<ArgumentException>(() => _sut.ResolveTargetAsync(target, cancellationToken));

    [Test]
    [CancelAfter(5_000)]
    public async Task RunOnHostAsync_Succeeds_RunsTheScriptWithShInTheWorkDirectory(CancellationToken cancellationToken)
    {
        _host.CommandHandler = _ => new HostCommandResult(0, "hello\n", "");

        var result = await _sut.RunOnHostAsync("echo hello", cancellationToken: cancellationToken);

        Assert.That(result.StandardOutput, Is.EqualTo("hello\n"));
        var command = _host.Commands.Single();
        Assert.That(command.FileName, Is.EqualTo("/bin/sh"));
        Assert.That(command.Arguments, Is.EqualTo(new[] { "-c", "echo hello", "sh" }));
        Assert.That(command.WorkingDirectory, Is.Null, "null means the host's work directory");
    }

    [Test]
    [CancelAfter(5_000)]
    public async Task RunOnHostAsync_CheckedAndFails_ThrowsHostCommandExceptionWithTheResult(CancellationToken cancellationToken)
    {
        _host.CommandHandler = _ => new HostCommandResult(3, "partial", "no such table");

        var ex = (await Assert.ThrowsAsync<HostCommandException>(() => _sut.RunOnHostAsync("sqlite3 db 'select 1'", cancellationToken: cancellationToken)))!;

        Assert.That(ex.ExitCode, Is.EqualTo(3));
        Assert.That(ex.StandardOutput, Is.EqualTo("partial"));
        Assert.That(ex.StandardError, Is.EqualTo("no such table"));
        Assert.That(ex.Message, Does.Contain("command failed (exit 3)").And.Contain("sqlite3 db 'select 1'").And.Contain("no such table"));
    }

    [Test]
    [CancelAfter(5_000)]
    public async Task RunOnHostAsync_UncheckedAndFails_ReturnsTheResult(CancellationToken cancellationToken)
    {
        _host.CommandHandler = _ => new HostCommandResult(1, "", "grep: no match");

        var result = await _sut.RunOnHostAsync("grep x y", check: false, cancellationToken: cancellationToken);

        Assert.That(result.ExitCode, Is.EqualTo(1));
        Assert.That(result.StandardError, Is.EqualTo("grep: no match"));
    }

    [TestCase("sub", WorkDirectory + "/sub")]
    [TestCase("~", "/home/agent")]
    [TestCase("/tmp", "/tmp")]
    [CancelAfter(5_000)]
    public async Task RunOnHostAsync_WorkingDirectory_IsResolvedLikeATarget(string workingDirectory, string expected, CancellationToken cancellationToken)
    {
        await _sut.RunOnHostAsync("true", workingDirectory: workingDirectory, cancellationToken: cancellationToken);

        Assert.That(_host.Commands.Single().WorkingDirectory, Is.EqualTo(expected));
    }

    [Test]
    [CancelAfter(5_000)]
    public async Task RunOnHostAsync_EscapingWorkingDirectory_ThrowsBeforeRunningAnything(CancellationToken cancellationToken)
    {
        await Assert.ThrowsAsync<ArgumentException>(() => _sut.RunOnHostAsync("rm -rf x", workingDirectory: "../other", cancellationToken: cancellationToken));

        Assert.That(_host.Commands, Is.Empty);
    }

    [Test]
    [CancelAfter(5_000)]
    public async Task CopyFileAsync_RelativeTarget_WritesUnderTheWorkDirectoryAndReportsIt(CancellationToken cancellationToken)
    {
        var written = await _sut.CopyFileAsync(Encoding.UTF8.GetBytes("a,b\n"), "input/data.csv", cancellationToken);

        Assert.That(written, Is.EqualTo(WorkDirectory + "/input/data.csv"));
        Assert.That(_host.ReadAllText(written), Is.EqualTo("a,b\n"));
        Assert.That(_context.Messages, Is.EqualTo(new[] { "Copying data.csv..." }));
    }

    [Test]
    [CancelAfter(5_000)]
    public async Task CopyFileAsync_EscapingTarget_ThrowsAndWritesNothing(CancellationToken cancellationToken)
    {
        await Assert.ThrowsAsync<ArgumentException>(() => _sut.CopyFileAsync(new byte[] { 1 }, "../x", cancellationToken));

        Assert.That(_host.FilePaths, Is.Empty);
    }

    [Test]
    [CancelAfter(5_000)]
    public async Task ReadTextFromHostAsync_Silent_ReadsWithoutProgressAndRejectsInvalidUtf8(CancellationToken cancellationToken)
    {
        _host.AddFile(WorkDirectory + "/ok.txt", "fine");
        _host.AddFile(WorkDirectory + "/bad.bin", new byte[] { 0x66, 0xFF });

        Assert.That(await _sut.ReadTextFromHostAsync("ok.txt", silent: true, cancellationToken), Is.EqualTo("fine"));
        Assert.That(_context.Messages, Is.Empty);
        await Assert.ThrowsAsync<DecoderFallbackException>(() => _sut.ReadTextFromHostAsync("bad.bin", cancellationToken: cancellationToken));
        Assert.That(_context.Messages, Is.EqualTo(new[] { "Reading bad.bin..." }));
    }

    [Test]
    [CancelAfter(5_000)]
    public async Task ReadFromHostAsync_MissingWorkdirFile_ThrowsFileNotFound_AgentLinkThrowsUnsafePath(CancellationToken cancellationToken)
    {
        _host.AddFile("/etc/secret", "secret");
        _host.AddSymlink(WorkDirectory + "/result.txt", "/etc/secret");

        await Assert.ThrowsAsync<FileNotFoundException>(() => _sut.ReadFromHostAsync("missing.txt", cancellationToken: cancellationToken));
        var ex = await Assert.ThrowsAsync<UnsafeWorkdirPathException>(() => _sut.ReadTextFromHostAsync(WorkDirectory + "/result.txt", cancellationToken: cancellationToken));

        Assert.That(ex!.Reason, Is.EqualTo(UnsafeWorkdirPathReason.SymbolicLink));
    }
}
