using System.Collections.Concurrent;
using Opencode.Sessions.Hosting;
using Opencode.Sessions.Hosting.Local;

namespace Opencode.Sessions.Tests.Hosting;

[TestFixture]
public sealed class LocalHostTests
{
    private string _root = null!;
    private LocalHost _host = null!;

    [SetUp]
    public async Task SetUp()
    {
        _root = Directory.CreateTempSubdirectory("ocs-localhost-").FullName;
        _host = new LocalHost("proc-1", _root);
        await _host.SetupWorkdirAsync(CancellationToken.None);
    }

    [TearDown]
    public async Task TearDown()
    {
        await _host.DisposeAsync();
        Directory.Delete(_root, recursive: true);
    }

    [Test]
    public void SetupWorkdir_CreatesPrivateDirectories()
    {
        Assert.That(_host.TaskDirectory, Is.EqualTo(Path.Combine(_root, "proc-1")));
        Assert.That(_host.WorkDirectory, Is.EqualTo(Path.Combine(_root, "proc-1", "workdir")));
        Assert.That(File.GetUnixFileMode(_host.TaskDirectory), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute));
        Assert.That(File.GetUnixFileMode(_host.WorkDirectory), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute));
    }

    [TestCase("../evil")]
    [TestCase("a/b")]
    [TestCase("..")]
    [TestCase(".")]
    [TestCase("a b")]
    [TestCase("x;rm -rf /")]
    [TestCase("")]
    public void Constructor_UnsafeProcessId_Throws(string processId) =>
        Assert.Throws<ArgumentException>(() => _ = new LocalHost(processId, _root));

    [Test]
    [CancelAfter(10_000)]
    public async Task ResolveRealPath_ResolvesSymlinksAndAllowsMissingTail(CancellationToken cancellationToken)
    {
        var outside = Directory.CreateDirectory(Path.Combine(_root, "outside")).FullName;
        File.CreateSymbolicLink(Path.Combine(_host.WorkDirectory, "link"), outside);
        Directory.CreateDirectory(Path.Combine(_host.WorkDirectory, "d"));
        File.CreateSymbolicLink(Path.Combine(_host.WorkDirectory, "d", "rel"), "../link");

        Assert.That(await _host.ResolveRealPathAsync(Path.Combine(_host.WorkDirectory, "link", "x", "y"), cancellationToken), Is.EqualTo(outside + "/x/y"));
        Assert.That(await _host.ResolveRealPathAsync(Path.Combine(_host.WorkDirectory, "d", "rel", "f"), cancellationToken), Is.EqualTo(outside + "/f"));
        Assert.That(await _host.ResolveRealPathAsync(_host.WorkDirectory + "/d/../d/./missing", cancellationToken), Is.EqualTo(_host.WorkDirectory + "/d/missing"));
    }

    [Test]
    [CancelAfter(20_000)]
    public async Task Launch_DrainsOutputAndReportsExitCode(CancellationToken cancellationToken)
    {
        var lines = new ConcurrentQueue<string>();
        await using var process = await _host.LaunchAsync(
            new HostProcessStartInfo("/bin/sh", ["-c", "for i in $(seq 1 2000); do echo line-$i; echo err-$i >&2; done; printf tail; exit 7"])
            {
                OutputLine = lines.Enqueue,
            },
            cancellationToken);

        var exitCode = await process.Exited.WaitAsync(cancellationToken);

        Assert.That(exitCode, Is.EqualTo(7));
        Assert.That(lines.Count, Is.EqualTo(4001));
        Assert.That(lines, Does.Contain("line-2000").And.Contain("err-2000").And.Contain("tail"));
    }

    [TestCase(TerminationMode.Graceful)]
    [TestCase(TerminationMode.Aggressive)]
    [CancelAfter(20_000)]
    public async Task Terminate_KillsTheWholeProcessGroup(TerminationMode mode, CancellationToken cancellationToken)
    {
        var childPid = new TaskCompletionSource<int>();
        // The child ignores SIGTERM, so a graceful stop must escalate to SIGKILL for the group.
        await using var process = await _host.LaunchAsync(
            new HostProcessStartInfo("/bin/sh", ["-c", "sh -c 'trap \"\" TERM; echo child $$; while :; do sleep 1; done' & wait"])
            {
                OutputLine = line => { if (line.StartsWith("child ", StringComparison.Ordinal)) childPid.TrySetResult(int.Parse(line[6..])); },
                GracePeriod = TimeSpan.FromMilliseconds(500),
            },
            cancellationToken);
        var child = await childPid.Task.WaitAsync(cancellationToken);

        await process.TerminateAsync(mode, cancellationToken);

        Assert.That(process.Exited.IsCompleted, Is.True);
        Assert.That(ProcessGroup.Exists(process.ProcessId), Is.False, "no process of the group may survive");
        Assert.That(Directory.Exists($"/proc/{child}"), Is.False, "the child ignoring SIGTERM must be gone");
    }
}
