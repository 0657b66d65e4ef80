using System.Collections.Concurrent;
using System.Text;
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
    public async Task RunCommand_CapturesOutputExitCodeAndRunsInWorkdir(CancellationToken cancellationToken)
    {
        var result = await _host.RunCommandAsync(
            HostCommand.Shell("pwd; echo \"$1\" >&2; echo \"$X\"; exit 3", "it's $HOME") with
            {
                Environment = new Dictionary<string, string?> { ["X"] = "from env" },
            },
            cancellationToken);

        Assert.That(result.ExitCode, Is.EqualTo(3));
        Assert.That(result.StandardOutput, Is.EqualTo(_host.WorkDirectory + "\nfrom env\n"));
        Assert.That(result.StandardError, Is.EqualTo("it's $HOME\n"));
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task RunCommand_StandardInput_IsPassedThrough(CancellationToken cancellationToken)
    {
        var input = new MemoryStream(Encoding.UTF8.GetBytes("hello\nworld\n"));
        var result = await _host.RunCommandAsync(new HostCommand("wc", ["-l"]) { StandardInput = input }, cancellationToken);
        Assert.That(result.StandardOutput.Trim(), Is.EqualTo("2"));
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task WriteFile_IsAtomicWithModeAndCreatesParents(CancellationToken cancellationToken)
    {
        var path = Path.Combine(_host.WorkDirectory, "a", "b", "file.bin");
        var bytes = Enumerable.Range(0, 256).Select(i => (byte)i).ToArray();

        await _host.WriteFileAsync(path, new MemoryStream(bytes), null, cancellationToken);
        await _host.WriteFileAsync(path, new MemoryStream(bytes.Reverse().ToArray()), UnixFileMode.UserRead | UnixFileMode.UserExecute, cancellationToken);

        Assert.That(await File.ReadAllBytesAsync(path, cancellationToken), Is.EqualTo(bytes.Reverse().ToArray()));
        Assert.That(File.GetUnixFileMode(path), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserExecute));
        Assert.That(Directory.GetFiles(Path.GetDirectoryName(path)!), Has.Length.EqualTo(1), "no temporary file left behind");
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task OpenRead_MissingFile_ThrowsFileNotFound(CancellationToken cancellationToken) =>
        await Assert.ThrowsAsync<FileNotFoundException>(() => _host.OpenReadAsync(Path.Combine(_host.WorkDirectory, "nope"), cancellationToken));

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

    [Test]
    [CancelAfter(20_000)]
    public async Task Dispose_KillsRunningProcesses(CancellationToken cancellationToken)
    {
        var process = await _host.LaunchAsync(new HostProcessStartInfo("/bin/sleep", ["60"]), cancellationToken);

        await _host.DisposeAsync();

        Assert.That(await process.Exited.WaitAsync(cancellationToken), Is.EqualTo(128 + 9));
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task CleanupTaskDirectory_RemovesEverything(CancellationToken cancellationToken)
    {
        await File.WriteAllTextAsync(Path.Combine(_host.WorkDirectory, "f"), "x", cancellationToken);
        await _host.CleanupTaskDirectoryAsync(cancellationToken);
        await _host.CleanupTaskDirectoryAsync(cancellationToken);
        Assert.That(Directory.Exists(_host.TaskDirectory), Is.False);
    }
}
