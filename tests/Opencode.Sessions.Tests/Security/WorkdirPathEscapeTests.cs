using System.Collections.Concurrent;
using System.Diagnostics;
using Opencode.Sessions.Hosting;
using Opencode.Sessions.Hosting.Local;
using Opencode.Sessions.Protocol;
using Opencode.Sessions.Testing;
using static Opencode.Sessions.Tests.Protocol.ProtocolTestSupport;

namespace Opencode.Sessions.Tests.Security;

/// <summary>
/// Issue 8, escapes 1–5 on the local host: agent-controlled paths (deliverables, hook helper targets) must never reach
/// a file outside the work directory, block on a FIFO or follow a link the agent made. Each test runs with
/// <c>openat2</c> and with the component-by-component fallback walk.
/// </summary>
[TestFixture(false)]
[TestFixture(true)]
[Category("Security")]
[NonParallelizable]
public sealed class WorkdirPathEscapeTests(bool withoutOpenat2)
{
    private const string Secret = "TOP-SECRET-outside-the-workdir";
    private string _root = null!;
    private string _outside = null!;
    private LocalHost _host = null!;
    private string Workdir => _host.WorkDirectory;

    [SetUp]
    public async Task SetUp()
    {
        BeneathNative.SimulateNoOpenat2 = withoutOpenat2;
        _root = Directory.CreateTempSubdirectory("ocs-escape-").FullName;
        _outside = Path.Combine(_root, "secret.txt");
        File.WriteAllText(_outside, Secret);
        _host = new LocalHost("p1", Path.Combine(_root, "tasks"));
        await _host.SetupWorkdirAsync(CancellationToken.None);
        Directory.CreateDirectory(Path.Combine(Workdir, "deliverables"));
        File.WriteAllText(Path.Combine(Workdir, "deliverables", "out.txt"), "genuine");
    }

    [TearDown]
    public async Task TearDown()
    {
        BeneathNative.SimulateNoOpenat2 = false;
        await _host.DisposeAsync();
        Directory.Delete(_root, recursive: true);
    }

    [Test]
    [CancelAfter(20_000)]
    public async Task Escape1_MissingComponentDotDotThenSymlink_SkippedAsSymlinkAndNothingDelivered(CancellationToken cancellationToken)
    {
        File.CreateSymbolicLink(Path.Combine(Workdir, "deliverables", "sym2.txt"), _outside);

        var (messages, delivered) = await RunDriverAsync(cancellationToken, "DELIVERABLE: deliverables/missing-dir/../sym2.txt", "DELIVERABLE: deliverables/out.txt");

        Assert.That(delivered.Select(d => d.Text), Is.EqualTo(new[] { "genuine" }));
        Assert.That(messages, Does.Contain("Deliverable sym2.txt: refused, it goes through a symbolic link; skipping"));
    }

    [TestCase("/proc/self/environ", "deliverables/env.txt")]
    [TestCase("/proc/self", "deliverables/self/environ")]
    [CancelAfter(20_000)]
    public async Task Escape1_SymlinkToProcSelf_JobRunnerEnvironmentNeverDelivered(string target, string announced, CancellationToken cancellationToken)
    {
        File.CreateSymbolicLink(Path.Combine(Workdir, "deliverables", "env.txt"), "/proc/self/environ");
        Directory.CreateSymbolicLink(Path.Combine(Workdir, "deliverables", "self"), "/proc/self");

        var (messages, delivered) = await RunDriverAsync(cancellationToken, "DELIVERABLE: " + announced);

        Assert.That(delivered, Is.Empty, $"{target} must not be delivered");
        Assert.That(messages.Any(m => m!.EndsWith("refused, it goes through a symbolic link; skipping", StringComparison.Ordinal)), Is.True, string.Join("\n", messages));
    }

    [Test]
    [CancelAfter(20_000)]
    public async Task Escape2_FileSwappedForSymlinkBetweenAnnouncements_OutsideContentNeverDelivered(CancellationToken cancellationToken)
    {
        // Arrange: the first announcement is a genuine file; then the agent swaps it for a link to an outside file.
        var path = Path.Combine(Workdir, "deliverables", "out.txt");
        var delivered = new ConcurrentQueue<Deliverable>();
        var progress = new ConcurrentQueue<(int?, string?)>();
        await using var driver = new ProtocolDriver(_host, new HookContext(CreateContext(progress).Object, _host), (_, d, _) =>
        {
            delivered.Enqueue(d);
            if (delivered.Count == 1)
            {
                File.Delete(path);
                File.CreateSymbolicLink(path, _outside);
            }

            return Task.CompletedTask;
        }, new RecordingLogger());

        // Act
        await driver.RunAsync(Source("DELIVERABLE: deliverables/out.txt", "DELIVERABLE: deliverables/out.txt", "DONE"), cancellationToken);
        await driver.DrainAsync(cancellationToken);

        // Assert
        Assert.That(delivered.Select(d => d.Text), Is.EqualTo(new[] { "genuine" }));
        Assert.That(progress.Select(p => p.Item2), Does.Contain("Deliverable out.txt: refused, it goes through a symbolic link; skipping"));
    }

    [Test]
    [CancelAfter(20_000)]
    public async Task Escape2_SwappedForSymlinkAfterItWasAnnouncedAndQueued_OutsideContentNeverDelivered(CancellationToken cancellationToken)
    {
        // Arrange: the fetch loop is parked in the first callback while the second deliverable is announced (and, on the
        // old code, validated as a regular file); then the agent swaps it for a link to an outside file.
        var path = Path.Combine(Workdir, "deliverables", "late.txt");
        File.WriteAllText(path, "genuine late");
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var delivered = new ConcurrentQueue<Deliverable>();
        var progress = new ConcurrentQueue<(int?, string?)>();
        await using var driver = new ProtocolDriver(_host, new HookContext(CreateContext(progress).Object, _host), async (_, d, ct) =>
        {
            delivered.Enqueue(d);
            if (d.RelativePath == "out.txt")
            {
                await gate.Task.WaitAsync(ct);
            }
        }, new RecordingLogger());

        // Act
        await driver.RunAsync(Source("DELIVERABLE: deliverables/out.txt", "DELIVERABLE: deliverables/late.txt", "DONE"), cancellationToken);
        File.Delete(path);
        File.CreateSymbolicLink(path, _outside);
        gate.SetResult();
        await driver.DrainAsync(cancellationToken);

        // Assert
        Assert.That(delivered.Select(d => d.Text), Is.EqualTo(new[] { "genuine" }));
        Assert.That(progress.Select(p => p.Item2), Does.Contain("Deliverable late.txt: refused, it goes through a symbolic link; skipping"));
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task Escape2_RaceLoopSwappingFileAndSymlink_OpenerNeverReturnsOutsideContent(CancellationToken cancellationToken)
    {
        // Arrange: a swapper flips deliverables/race.txt between a regular file and a link to the outside file.
        var path = Path.Combine(Workdir, "deliverables", "race.txt");
        File.WriteAllText(path, "genuine");
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var swapper = Task.Run(() =>
        {
            var temporary = path + ".new";
            while (!stop.IsCancellationRequested)
            {
                File.CreateSymbolicLink(temporary, _outside);
                File.Move(temporary, path, overwrite: true);
                File.WriteAllText(temporary, "genuine");
                File.Move(temporary, path, overwrite: true);
            }
        });

        // Act
        var (read, refused) = (0, 0);
        try
        {
            for (var i = 0; i < 2000; i++)
            {
                try
                {
                    var stream = await _host.OpenWorkdirFileAsync("deliverables/race.txt", cancellationToken);
                    using var reader = new StreamReader(stream);
                    Assert.That(await reader.ReadToEndAsync(cancellationToken), Is.EqualTo("genuine"));
                    read++;
                }
                catch (UnsafeWorkdirPathException ex) when (ex.Reason is UnsafeWorkdirPathReason.SymbolicLink or UnsafeWorkdirPathReason.NotFound)
                {
                    refused++;
                }
            }
        }
        finally
        {
            await stop.CancelAsync();
            await swapper;
        }

        // Assert: both states were seen, and the outside content never.
        Assert.That(read + refused, Is.EqualTo(2000));
        Assert.That(refused, Is.GreaterThan(0), "the race loop never saw the link");
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task Escape2_Opener_SymlinkFinalComponent_RefusedAsSymlink(CancellationToken cancellationToken)
    {
        File.CreateSymbolicLink(Path.Combine(Workdir, "deliverables", "leak.txt"), _outside);

        var ex = await Assert.ThrowsAsync<UnsafeWorkdirPathException>(() => _host.OpenWorkdirFileAsync("deliverables/leak.txt", cancellationToken));

        Assert.That(ex!.Reason, Is.EqualTo(UnsafeWorkdirPathReason.SymbolicLink));
        Assert.That(ex.Message, Does.Not.Contain(Secret));
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task Escape2_Opener_SymlinkedDirectoryEvenInsideTheWorkdir_RefusedAsSymlink(CancellationToken cancellationToken)
    {
        Directory.CreateSymbolicLink(Path.Combine(Workdir, "alias"), Path.Combine(Workdir, "deliverables"));

        var ex = await Assert.ThrowsAsync<UnsafeWorkdirPathException>(() => _host.OpenWorkdirFileAsync("alias/out.txt", cancellationToken));

        Assert.That(ex!.Reason, Is.EqualTo(UnsafeWorkdirPathReason.SymbolicLink));
    }

    [Test]
    [CancelAfter(20_000)]
    public async Task Escape3_FifoDeliverable_RefusedAtOnceAndLaterDeliverablesStillArrive(CancellationToken cancellationToken)
    {
        MakeFifo(Path.Combine(Workdir, "deliverables", "pipe.txt"));
        var clock = Stopwatch.StartNew();

        var (messages, delivered) = await RunDriverAsync(cancellationToken, "DELIVERABLE: deliverables/pipe.txt", "DELIVERABLE: deliverables/out.txt");

        Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(15)));
        Assert.That(messages, Does.Contain("Deliverable pipe.txt: refused, it is not a regular file; skipping"));
        Assert.That(delivered.Select(d => d.Text), Is.EqualTo(new[] { "genuine" }));
    }

    [Test]
    [CancelAfter(30_000)]
    public async Task Escape3_FifoDeliverableAndCancellation_DriverEndsWellWithinItsBound(CancellationToken cancellationToken)
    {
        // Arrange: a FIFO nobody writes; the caller gives the drain 2 s.
        MakeFifo(Path.Combine(Workdir, "deliverables", "pipe.txt"));
        var progress = new ConcurrentQueue<(int?, string?)>();
        var clock = Stopwatch.StartNew();
        var driver = new ProtocolDriver(_host, new HookContext(CreateContext(progress).Object, _host), (_, _, _) => Task.CompletedTask, new RecordingLogger());
        try
        {
            using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            bounded.CancelAfter(TimeSpan.FromSeconds(2));

            // Act
            await driver.RunAsync(Source("DELIVERABLE: deliverables/pipe.txt", "DONE"), bounded.Token);
            try
            {
                await driver.DrainAsync(bounded.Token);
            }
            catch (OperationCanceledException)
            {
                // The bound ran out: acceptable, as long as it ends promptly.
            }
        }
        finally
        {
            await driver.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10), cancellationToken);
        }

        // Assert: 2 s bound plus generous slack for a loaded machine; the blocked open() took 30 s before.
        Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(12)));
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task Escape3_Opener_FifoDirectoryAndMissing_RefusedWithTheirReasons(CancellationToken cancellationToken)
    {
        MakeFifo(Path.Combine(Workdir, "deliverables", "pipe.txt"));
        Directory.CreateDirectory(Path.Combine(Workdir, "deliverables", "dir"));

        Assert.That((await Assert.ThrowsAsync<UnsafeWorkdirPathException>(() => _host.OpenWorkdirFileAsync("deliverables/pipe.txt", cancellationToken)))!.Reason, Is.EqualTo(UnsafeWorkdirPathReason.NotRegularFile));
        Assert.That((await Assert.ThrowsAsync<UnsafeWorkdirPathException>(() => _host.OpenWorkdirFileAsync("deliverables/dir", cancellationToken)))!.Reason, Is.EqualTo(UnsafeWorkdirPathReason.NotRegularFile));
        Assert.That((await Assert.ThrowsAsync<UnsafeWorkdirPathException>(() => _host.OpenWorkdirFileAsync("deliverables/none.txt", cancellationToken)))!.Reason, Is.EqualTo(UnsafeWorkdirPathReason.NotFound));
        Assert.That((await Assert.ThrowsAsync<UnsafeWorkdirPathException>(() => _host.OpenWorkdirFileAsync("deliverables/out.txt/x", cancellationToken)))!.Reason, Is.EqualTo(UnsafeWorkdirPathReason.NotRegularFile));
        Assert.That((await Assert.ThrowsAsync<UnsafeWorkdirPathException>(() => _host.OpenWorkdirFileAsync("../secret.txt", cancellationToken)))!.Reason, Is.EqualTo(UnsafeWorkdirPathReason.EscapesWorkdir));
        Assert.That((await Assert.ThrowsAsync<UnsafeWorkdirPathException>(() => _host.OpenWorkdirFileAsync(_outside, cancellationToken)))!.Reason, Is.EqualTo(UnsafeWorkdirPathReason.EscapesWorkdir));
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task Escape4_ReadTextFromHost_AgentSymlink_RefusedAndOutsideNeverRead(CancellationToken cancellationToken)
    {
        File.CreateSymbolicLink(Path.Combine(Workdir, "result.txt"), _outside);
        var hook = new HookContext(new RecordingProcessContext("p1"), _host);

        var ex = await Assert.ThrowsAsync<UnsafeWorkdirPathException>(() => hook.ReadTextFromHostAsync("result.txt", cancellationToken: cancellationToken));
        var absolute = await Assert.ThrowsAsync<UnsafeWorkdirPathException>(() => hook.ReadTextFromHostAsync(Path.Combine(Workdir, "result.txt"), cancellationToken: cancellationToken));

        Assert.That(ex!.Reason, Is.EqualTo(UnsafeWorkdirPathReason.SymbolicLink));
        Assert.That(absolute!.Reason, Is.EqualTo(UnsafeWorkdirPathReason.SymbolicLink), "an absolute path inside the workdir is agent-controlled too");
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task Escape4_CopyFile_ThroughAgentDirectoryLink_RefusedAndNothingWrittenOutside(CancellationToken cancellationToken)
    {
        var outsideDirectory = Directory.CreateDirectory(Path.Combine(_root, "outside-dir")).FullName;
        Directory.CreateSymbolicLink(Path.Combine(Workdir, "out"), outsideDirectory);
        var hook = new HookContext(new RecordingProcessContext("p1"), _host);

        var ex = await Assert.ThrowsAsync<UnsafeWorkdirPathException>(() => hook.CopyFileAsync("report"u8.ToArray(), "out/report.txt", cancellationToken));

        Assert.That(ex!.Reason, Is.EqualTo(UnsafeWorkdirPathReason.SymbolicLink));
        Assert.That(Directory.GetFileSystemEntries(outsideDirectory), Is.Empty, "nothing was written outside the workdir");
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task Escape4_CopyFile_OverAnAgentSymlink_ReplacesTheLinkAndLeavesItsTargetAlone(CancellationToken cancellationToken)
    {
        File.CreateSymbolicLink(Path.Combine(Workdir, "config.json"), _outside);
        var hook = new HookContext(new RecordingProcessContext("p1"), _host);

        await hook.CopyFileAsync("{}"u8.ToArray(), "config.json", cancellationToken);
        await hook.CopyFileAsync("nested"u8.ToArray(), "new/dir/f.txt", cancellationToken);

        Assert.That(File.ReadAllText(_outside), Is.EqualTo(Secret));
        Assert.That(new FileInfo(Path.Combine(Workdir, "config.json")).LinkTarget, Is.Null);
        Assert.That(File.ReadAllText(Path.Combine(Workdir, "config.json")), Is.EqualTo("{}"));
        Assert.That(File.ReadAllText(Path.Combine(Workdir, "new", "dir", "f.txt")), Is.EqualTo("nested"));
        Assert.That(File.GetUnixFileMode(Path.Combine(Workdir, "new", "dir", "f.txt")), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite));
        Assert.That(Directory.GetFiles(Workdir, ".ocs-*"), Is.Empty, "no temporary file is left");
    }

    [Test]
    [CancelAfter(20_000)]
    public async Task Escape5_HardLinkToOutsideFile_SkippedAsHardLink(CancellationToken cancellationToken)
    {
        MakeHardLink(_outside, Path.Combine(Workdir, "deliverables", "hard.txt"));

        var (messages, delivered) = await RunDriverAsync(cancellationToken, "DELIVERABLE: deliverables/hard.txt");
        var ex = await Assert.ThrowsAsync<UnsafeWorkdirPathException>(() => _host.OpenWorkdirFileAsync("deliverables/hard.txt", cancellationToken));

        Assert.That(delivered, Is.Empty);
        Assert.That(messages, Does.Contain("Deliverable hard.txt: refused, it is a hard link (the file has more than one name); skipping"));
        Assert.That(ex!.Reason, Is.EqualTo(UnsafeWorkdirPathReason.HardLink));
    }

    private async Task<(List<string?> Messages, List<Deliverable> Delivered)> RunDriverAsync(CancellationToken cancellationToken, params string[] lines)
    {
        var delivered = new ConcurrentQueue<Deliverable>();
        var progress = new ConcurrentQueue<(int?, string?)>();
        await using var driver = new ProtocolDriver(_host, new HookContext(CreateContext(progress).Object, _host), (_, d, _) =>
        {
            delivered.Enqueue(d);
            return Task.CompletedTask;
        }, new RecordingLogger());
        await driver.RunAsync(Source([.. lines, "DONE"]), cancellationToken);
        await driver.DrainAsync(cancellationToken);
        return ([.. progress.Select(p => p.Item2)], [.. delivered]);
    }

    private static IAsyncEnumerable<FollowedLine> Source(params string[] lines) => new ScriptedLines(Lines(lines)).ReadAsync();

    private static void MakeFifo(string path) => Run("mkfifo", path);

    private static void MakeHardLink(string existing, string link) => Run("ln", existing, link);

    private static void Run(string program, params string[] arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(program, arguments) { RedirectStandardError = true })!;
        var stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.That(process.ExitCode, Is.Zero, $"{program} failed: {stderr}");
    }
}
