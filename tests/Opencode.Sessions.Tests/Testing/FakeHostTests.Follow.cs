using System.Formats.Tar;
using System.IO.Compression;
using Opencode.Sessions.Hosting;
using Opencode.Sessions.Testing;

namespace Opencode.Sessions.Tests.Testing;

/// <content>Following files, archiving and restoring the work directory.</content>
public sealed partial class FakeHostTests
{
    [Test]
    [CancelAfter(5_000)]
    public async Task FollowFileAsync_HoldsBackIncompleteLines_AndEndsOnEndFollowing(CancellationToken cancellationToken)
    {
        // Arrange
        var host = new FakeHost();
        var log = host.WorkDirectory + "/optio.log";
        var received = new List<FollowedLine>();
        var firstLine = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var secondLine = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var following = Task.Run(
            async () =>
            {
                await foreach (var line in host.FollowFileAsync(log, cancellationToken))
                {
                    lock (received)
                    {
                        received.Add(line);
                        if (received.Count == 1)
                        {
                            firstLine.TrySetResult();
                        }

                        if (received.Count == 2)
                        {
                            secondLine.TrySetResult();
                        }
                    }
                }
            },
            cancellationToken);

        // Act: the file appears later, lines arrive in pieces.
        await Task.Delay(20, cancellationToken);
        host.AppendToFile(log, "STATUS: 10% sta");
        host.AppendToFile(log, "rting\r\nDONE");
        await firstLine.Task.WaitAsync(cancellationToken);
        await Task.Delay(20, cancellationToken); // a DONE wrongly emitted without its newline would arrive now
        lock (received)
        {
            Assert.That(received.Select(l => l.Text), Is.EqualTo(new[] { "STATUS: 10% starting" }), "DONE has no newline yet");
        }

        host.AppendToFile(log, "\npartial");
        await secondLine.Task.WaitAsync(cancellationToken);
        host.EndFollowing(log);
        await following.WaitAsync(cancellationToken);

        // Assert
        Assert.That(received.Select(l => l.Text), Is.EqualTo(new[] { "STATUS: 10% starting", "DONE" }));
        Assert.That(host.Calls.Single(c => c.Operation == nameof(IHost.FollowFileAsync)).Target, Is.EqualTo(log));
    }

    [Test]
    [CancelAfter(5_000)]
    public async Task FollowFileAsync_ReplacedFile_StartsAgainFromTheBeginning(CancellationToken cancellationToken)
    {
        var host = new FakeHost();
        var log = host.WorkDirectory + "/optio.log";
        host.AppendToFile(log, "old 1\nold 2\n");
        host.EndFollowing(log);
        var first = await Collect(host.FollowFileAsync(log, cancellationToken));

        await host.WriteFileAsync(log, new MemoryStream("new\n"u8.ToArray()), null, cancellationToken);
        var second = await Collect(host.FollowFileAsync(log, cancellationToken));

        Assert.That(first, Is.EqualTo(new[] { "old 1", "old 2" }));
        Assert.That(second, Is.EqualTo(new[] { "new" }));
    }

    [Test]
    public async Task FollowFileAsync_Cancelled_ThrowsOperationCanceled()
    {
        var host = new FakeHost();
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(50));

        Assert.That(
            async () => await Collect(host.FollowFileAsync(host.WorkDirectory + "/optio.log", cts.Token)),
            Throws.InstanceOf<OperationCanceledException>());
        await host.DisposeAsync();
    }

    [Test]
    public async Task FollowFileAsync_LongLine_IsTruncated()
    {
        var host = new FakeHost { MaxLineBytes = 16 };
        var log = host.WorkDirectory + "/optio.log";
        host.AppendToFile(log, new string('a', 40) + "\nshort\n");
        host.EndFollowing(log);

        var lines = new List<FollowedLine>();
        await foreach (var line in host.FollowFileAsync(log, CancellationToken.None))
        {
            lines.Add(line);
        }

        Assert.That(lines, Is.EqualTo(new[] { new FollowedLine(new string('a', 16), Truncated: true), new FollowedLine("short") }));
    }

    [Test]
    public async Task ArchiveThenRestore_RoundTripsTheWorkdir_HonouringExcludes()
    {
        // Arrange
        var source = new FakeHost("/a");
        source.AddFile("/a/workdir/keep.txt", "keep");
        source.AddFile("/a/workdir/sub/deep.md", "deep", UnixFileMode.UserRead);
        source.AddFile("/a/workdir/node_modules/pkg/index.js", "x");
        source.AddFile("/a/workdir/sub/cache.pyc", "x");
        source.AddFile("/a/outside.txt", "not in the workdir");
        using var archive = new MemoryStream();

        // Act
        await source.ArchiveWorkdirAsync(archive, ["node_modules", "*.pyc"], CancellationToken.None);
        archive.Position = 0;
        var target = new FakeHost("/b");
        target.AddFile("/b/workdir/stale.txt", "stale");
        await target.RestoreWorkdirAsync(archive, CancellationToken.None);

        // Assert
        Assert.That(target.FilePaths, Is.EqualTo(new[] { "/b/workdir/keep.txt", "/b/workdir/sub/deep.md" }));
        Assert.That(target.ReadAllText("/b/workdir/sub/deep.md"), Is.EqualTo("deep"));
        Assert.That(target.GetFileMode("/b/workdir/sub/deep.md"), Is.EqualTo(UnixFileMode.UserRead));
        Assert.That(target.DirectoryExists("/b/workdir/node_modules"), Is.False);
    }

    [Test]
    public async Task ArchiveWorkdirAsync_WritesARealTarGz_WithRelativeNames()
    {
        var host = new FakeHost("/a");
        host.AddFile("/a/workdir/resume.log", "2026-01-01\n");
        using var archive = new MemoryStream();

        await host.ArchiveWorkdirAsync(archive, [], CancellationToken.None);

        archive.Position = 0;
        using var reader = new TarReader(new GZipStream(archive, CompressionMode.Decompress));
        var entry = reader.GetNextEntry()!;
        Assert.That((entry.Name, entry.EntryType), Is.EqualTo(("resume.log", TarEntryType.RegularFile)));
        Assert.That(new StreamReader(entry.DataStream!).ReadToEnd(), Is.EqualTo("2026-01-01\n"));
    }

    [TestCase("../escape.txt", TarEntryType.RegularFile)]
    [TestCase("/etc/passwd", TarEntryType.RegularFile)]
    [TestCase("link", TarEntryType.SymbolicLink)]
    public async Task RestoreWorkdirAsync_UnsafeEntry_IsRefused_AndWorkdirKept(string name, TarEntryType type)
    {
        // Arrange
        using var archive = new MemoryStream();
        using (var gzip = new GZipStream(archive, CompressionLevel.Fastest, leaveOpen: true))
        using (var writer = new TarWriter(gzip, TarEntryFormat.Pax))
        {
            var entry = new PaxTarEntry(type, name);
            if (type == TarEntryType.SymbolicLink)
            {
                entry.LinkName = "/etc";
            }
            else
            {
                entry.DataStream = new MemoryStream("x"u8.ToArray());
            }

            writer.WriteEntry(entry);
        }

        archive.Position = 0;
        var host = new FakeHost("/b");
        host.AddFile("/b/workdir/kept.txt", "kept");

        // Act + Assert
        Assert.That(async () => await host.RestoreWorkdirAsync(archive, CancellationToken.None), Throws.InstanceOf<global::Opencode.Sessions.Workdir.UnsafeArchiveEntryException>());
        Assert.That(host.FilePaths, Is.EqualTo(new[] { "/b/workdir/kept.txt" }));
    }

    private static async Task<List<string>> Collect(IAsyncEnumerable<FollowedLine> lines)
    {
        var result = new List<string>();
        await foreach (var line in lines)
        {
            result.Add(line.Text);
        }

        return result;
    }
}
