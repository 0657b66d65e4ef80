using System.Diagnostics;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging.Abstractions;
using Opencode.Sessions.Hosting;
using Opencode.Sessions.IntegrationTests.Infrastructure;
using Opencode.Sessions.Protocol;
using Opencode.Sessions.Testing;

namespace Opencode.Sessions.IntegrationTests.Security;

/// <summary>
/// Issue 8, escapes 1–5 over SSH: the perl helper on the host walks agent-controlled paths with the same rules as the
/// local host (no link followed, regular single-link files only, FIFOs refused without blocking). The sshd fixture runs
/// on this machine, so the tests plant links, FIFOs and hard links in the "remote" work directory directly.
/// </summary>
[TestFixture]
[Category("Security")]
public sealed class SshWorkdirPathEscapeTests : SshHostTestBase
{
    private const string Secret = "TOP-SECRET-outside-the-workdir";
    private string _outside = null!;

    private string Deliverables => Path.Combine(Host.WorkDirectory, "deliverables");

    [SetUp]
    public void Plant()
    {
        _outside = Path.Combine(Root, "secret.txt");
        File.WriteAllText(_outside, Secret);
        Directory.CreateDirectory(Deliverables);
        File.WriteAllText(Path.Combine(Deliverables, "out.txt"), "genuine");
    }

    [Test]
    [CancelAfter(180_000)]
    public async Task Escape1_MissingComponentDotDotThenSymlink_SkippedAsSymlinkOverSsh(CancellationToken cancellationToken)
    {
        File.CreateSymbolicLink(Path.Combine(Deliverables, "sym2.txt"), _outside);
        File.CreateSymbolicLink(Path.Combine(Deliverables, "env.txt"), "/proc/self/environ");
        Directory.CreateSymbolicLink(Path.Combine(Deliverables, "self"), "/proc/self");

        var (context, delivered) = await RunDriverAsync(
            cancellationToken,
            "DELIVERABLE: deliverables/missing-dir/../sym2.txt",
            "DELIVERABLE: deliverables/env.txt",
            "DELIVERABLE: deliverables/self/environ",
            "DELIVERABLE: deliverables/out.txt");

        Assert.That(delivered.Select(d => d.Text), Is.EqualTo(new[] { "genuine" }));
        Assert.That(context.Messages, Does.Contain("Deliverable sym2.txt: refused, it goes through a symbolic link; skipping"));
        Assert.That(context.Messages, Does.Contain("Deliverable env.txt: refused, it goes through a symbolic link; skipping"));
        Assert.That(context.Messages, Does.Contain("Deliverable self/environ: refused, it goes through a symbolic link; skipping"));
    }

    [Test]
    [CancelAfter(180_000)]
    public async Task Escape2_FileSwappedForSymlinkBetweenReads_OutsideContentNeverReturned(CancellationToken cancellationToken)
    {
        var path = Path.Combine(Deliverables, "out.txt");
        Assert.That(await ReadAsync("deliverables/out.txt", cancellationToken), Is.EqualTo("genuine"));
        File.Delete(path);
        File.CreateSymbolicLink(path, _outside);

        var ex = await Assert.ThrowsAsync<UnsafeWorkdirPathException>(() => ReadAsync("deliverables/out.txt", cancellationToken));

        Assert.That(ex!.Reason, Is.EqualTo(UnsafeWorkdirPathReason.SymbolicLink));
    }

    [Test]
    [CancelAfter(180_000)]
    public async Task Escape2_SymlinkedDirectoryAndWorkdirRelativeRules_RefusedWithReasons(CancellationToken cancellationToken)
    {
        Directory.CreateSymbolicLink(Path.Combine(Host.WorkDirectory, "alias"), Deliverables);
        Directory.CreateDirectory(Path.Combine(Deliverables, "dir"));

        Assert.That((await Assert.ThrowsAsync<UnsafeWorkdirPathException>(() => ReadAsync("alias/out.txt", cancellationToken)))!.Reason, Is.EqualTo(UnsafeWorkdirPathReason.SymbolicLink));
        Assert.That((await Assert.ThrowsAsync<UnsafeWorkdirPathException>(() => ReadAsync("deliverables/dir", cancellationToken)))!.Reason, Is.EqualTo(UnsafeWorkdirPathReason.NotRegularFile));
        Assert.That((await Assert.ThrowsAsync<UnsafeWorkdirPathException>(() => ReadAsync("deliverables/none.txt", cancellationToken)))!.Reason, Is.EqualTo(UnsafeWorkdirPathReason.NotFound));
        Assert.That((await Assert.ThrowsAsync<UnsafeWorkdirPathException>(() => ReadAsync("../secret.txt", cancellationToken)))!.Reason, Is.EqualTo(UnsafeWorkdirPathReason.EscapesWorkdir));
    }

    [Test]
    [CancelAfter(180_000)]
    public async Task Escape3_FifoDeliverable_RefusedAtOnceOverSsh(CancellationToken cancellationToken)
    {
        Run("mkfifo", Path.Combine(Deliverables, "pipe.txt"));
        var clock = Stopwatch.StartNew();

        var (context, delivered) = await RunDriverAsync(cancellationToken, "DELIVERABLE: deliverables/pipe.txt", "DELIVERABLE: deliverables/out.txt");

        Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(30)), "a FIFO must not park the fetch loop");
        Assert.That(context.Messages, Does.Contain("Deliverable pipe.txt: refused, it is not a regular file; skipping"));
        Assert.That(delivered.Select(d => d.Text), Is.EqualTo(new[] { "genuine" }));
    }

    [Test]
    [CancelAfter(180_000)]
    public async Task Escape4_HookHelpers_ThroughAgentLinks_RefusedAndNothingWrittenOutside(CancellationToken cancellationToken)
    {
        var outsideDirectory = Directory.CreateDirectory(Path.Combine(Root, "outside-dir")).FullName;
        Directory.CreateSymbolicLink(Path.Combine(Host.WorkDirectory, "out"), outsideDirectory);
        File.CreateSymbolicLink(Path.Combine(Host.WorkDirectory, "result.txt"), _outside);
        var hook = new HookContext(new RecordingProcessContext("proc-1"), Host);

        var read = await Assert.ThrowsAsync<UnsafeWorkdirPathException>(() => hook.ReadTextFromHostAsync("result.txt", cancellationToken: cancellationToken));
        var write = await Assert.ThrowsAsync<UnsafeWorkdirPathException>(() => hook.CopyFileAsync("report"u8.ToArray(), "out/report.txt", cancellationToken));

        Assert.That(read!.Reason, Is.EqualTo(UnsafeWorkdirPathReason.SymbolicLink));
        Assert.That(write!.Reason, Is.EqualTo(UnsafeWorkdirPathReason.SymbolicLink));
        Assert.That(Directory.GetFileSystemEntries(outsideDirectory), Is.Empty, "nothing was written outside the workdir");
        Assert.That(Directory.GetFiles(Host.WorkDirectory, ".ocs-*"), Is.Empty);
    }

    [Test]
    [CancelAfter(180_000)]
    public async Task Escape5_HardLinkToOutsideFile_RefusedOverSsh(CancellationToken cancellationToken)
    {
        Run("ln", _outside, Path.Combine(Deliverables, "hard.txt"));

        var (context, delivered) = await RunDriverAsync(cancellationToken, "DELIVERABLE: deliverables/hard.txt");

        Assert.That(delivered, Is.Empty);
        Assert.That(context.Messages, Does.Contain("Deliverable hard.txt: refused, it is a hard link (the file has more than one name); skipping"));
    }

    [Test]
    [CancelAfter(180_000)]
    public async Task WriteAndRead_UnknownLengthStreamIntoNewDirectories_RoundTripsWithMode(CancellationToken cancellationToken)
    {
        var content = new byte[3 * 1024 * 1024 + 17];
        Random.Shared.NextBytes(content);
        File.CreateSymbolicLink(Path.Combine(Host.WorkDirectory, "link.bin"), _outside);

        await Host.WriteWorkdirFileAsync("a/b/data.bin", new NonSeekableStream(content), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead, cancellationToken);
        await Host.WriteWorkdirFileAsync("link.bin", new MemoryStream("replaced"u8.ToArray()), null, cancellationToken);
        var stream = await Host.OpenWorkdirFileAsync("a/b/data.bin", cancellationToken);
        var copy = new MemoryStream();
        await using (stream)
        {
            await stream.CopyToAsync(copy, cancellationToken);
        }

        Assert.That(copy.ToArray(), Is.EqualTo(content));
        Assert.That(File.GetUnixFileMode(Path.Combine(Host.WorkDirectory, "a", "b", "data.bin")), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead));
        Assert.That(File.ReadAllText(_outside), Is.EqualTo(Secret), "the link was replaced, its target left alone");
        Assert.That(File.ReadAllText(Path.Combine(Host.WorkDirectory, "link.bin")), Is.EqualTo("replaced"));
    }

    private async Task<string> ReadAsync(string relative, CancellationToken cancellationToken)
    {
        var stream = await Host.OpenWorkdirFileAsync(relative, cancellationToken);
        using var reader = new StreamReader(stream);
        return await reader.ReadToEndAsync(cancellationToken);
    }

    private async Task<(RecordingProcessContext Context, List<Deliverable> Delivered)> RunDriverAsync(CancellationToken cancellationToken, params string[] lines)
    {
        var context = new RecordingProcessContext("proc-1");
        var delivered = new List<Deliverable>();
        await using var driver = new ProtocolDriver(Host, new HookContext(context, Host), (_, d, _) =>
        {
            lock (delivered)
            {
                delivered.Add(d);
            }

            return Task.CompletedTask;
        }, NullLogger.Instance);
        await driver.RunAsync(Lines([.. lines, "DONE"]), cancellationToken);
        await driver.DrainAsync(cancellationToken);
        return (context, delivered);
    }

    private static async IAsyncEnumerable<FollowedLine> Lines(string[] lines, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        foreach (var line in lines)
        {
            await Task.Yield();
            cancellationToken.ThrowIfCancellationRequested();
            yield return new FollowedLine(line);
        }
    }

    private static void Run(string program, params string[] arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(program, arguments) { RedirectStandardError = true })!;
        var stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.That(process.ExitCode, Is.Zero, $"{program} failed: {stderr}");
    }

    private sealed class NonSeekableStream(byte[] content) : MemoryStream(content, writable: false)
    {
        public override bool CanSeek => false;

        public override long Length => throw new NotSupportedException();
    }
}
