using System.Text;
using System.Threading.Channels;
using Opencode.Sessions.Hosting;
using Opencode.Sessions.Hosting.Local;

namespace Opencode.Sessions.Tests.Internal;

[TestFixture]
public sealed class LocalFileFollowerTests
{
    private static readonly TimeSpan FastPoll = TimeSpan.FromMilliseconds(20);
    private static readonly TimeSpan NoPoll = TimeSpan.FromHours(1);
    private string _root = null!;
    private string _path = null!;

    [SetUp]
    public void SetUp()
    {
        _root = Directory.CreateTempSubdirectory("ocs-follow-").FullName;
        _path = Path.Combine(_root, "optio.log");
    }

    [TearDown]
    public void TearDown() => Directory.Delete(_root, recursive: true);

    [Test]
    [CancelAfter(10_000)]
    public async Task FollowAsync_AppendedLines_DeliveredInOrderOnce(CancellationToken cancellationToken)
    {
        // Arrange
        Append(_path, "STATUS: 10% one\n");
        await using var follow = Follow.Start(_path, 1024, FastPoll, cancellationToken);

        // Act
        var first = await follow.NextAsync(cancellationToken);
        Append(_path, "two\n");
        Append(_path, "three\nfour\n");

        // Assert
        Assert.That(first, Is.EqualTo(new FollowedLine("STATUS: 10% one")));
        Assert.That(await follow.TakeAsync(3, cancellationToken), Is.EqualTo(new[] { "two", "three", "four" }));
        await follow.AssertNothingMoreAsync(cancellationToken);
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task FollowAsync_PartialWritesMidLineAndMidUtf8Sequence_OneWholeLine(CancellationToken cancellationToken)
    {
        // Arrange: one writer keeps the file open and flushes each piece; "é" is C3 A9 and is split.
        await using var follow = Follow.Start(_path, 1024, FastPoll, cancellationToken);
        await using var writer = new FileStream(_path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
        byte[][] pieces = [Encoding.UTF8.GetBytes("STAT"), [.. Encoding.UTF8.GetBytes("US: caf"), 0xC3], [0xA9, .. Encoding.UTF8.GetBytes(" ok\r")], "\n"u8.ToArray()];

        // Act: each piece stays on disk for several poll intervals before the next arrives.
        foreach (var piece in pieces)
        {
            await writer.WriteAsync(piece, cancellationToken);
            await writer.FlushAsync(cancellationToken);
            await Task.Delay(80, cancellationToken);
        }

        // Assert
        Assert.That(await follow.NextAsync(cancellationToken), Is.EqualTo(new FollowedLine("STATUS: café ok")));
        await follow.AssertNothingMoreAsync(cancellationToken);
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task FollowAsync_FileAndDirectoryCreatedAfterFollowingStarts_ReadFromFirstByte(CancellationToken cancellationToken)
    {
        var path = Path.Combine(_root, "later", "optio.log");
        await using var follow = Follow.Start(path, 1024, FastPoll, cancellationToken);
        await Task.Delay(100, cancellationToken);

        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        Append(path, "first\nsecond\n");

        Assert.That(await follow.TakeAsync(2, cancellationToken), Is.EqualTo(new[] { "first", "second" }));
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task FollowAsync_WithoutPolling_WatcherDeliversCreationAndAppends(CancellationToken cancellationToken)
    {
        // Arrange: a one-hour poll interval, so only file-system events can wake the reader.
        await using var follow = Follow.Start(_path, 1024, NoPoll, cancellationToken);
        await Task.Delay(100, cancellationToken);

        // Act
        Append(_path, "created\n");
        var created = await follow.NextAsync(cancellationToken);
        Append(_path, "appended\n");

        // Assert
        Assert.That(created.Text, Is.EqualTo("created"));
        Assert.That((await follow.NextAsync(cancellationToken)).Text, Is.EqualTo("appended"));
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task FollowAsync_Truncated_StartsAgainFromByteZeroWithoutReplay(CancellationToken cancellationToken)
    {
        Append(_path, "first line\nsecond line\n");
        await using var follow = Follow.Start(_path, 1024, FastPoll, cancellationToken);
        Assert.That(await follow.TakeAsync(2, cancellationToken), Is.EqualTo(new[] { "first line", "second line" }));

        using (var truncate = new FileStream(_path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite))
        {
            truncate.SetLength(0);
        }

        await Task.Delay(100, cancellationToken);
        Append(_path, "after\n");

        Assert.That(await follow.NextAsync(cancellationToken), Is.EqualTo(new FollowedLine("after")));
        await follow.AssertNothingMoreAsync(cancellationToken);
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task FollowAsync_ReplacedByRenameWithLongerFile_NewFileReadFromByteZero(CancellationToken cancellationToken)
    {
        // Arrange: the replacement is longer than the old read position, so only the file identity reveals it.
        Append(_path, "old\n");
        await using var follow = Follow.Start(_path, 1024, FastPoll, cancellationToken);
        Assert.That((await follow.NextAsync(cancellationToken)).Text, Is.EqualTo("old"));
        var replacement = Path.Combine(_root, "optio.log.tmp");
        Append(replacement, "a much longer first line of the new file\nsecond\n");

        // Act
        File.Move(replacement, _path, overwrite: true);

        // Assert
        Assert.That(await follow.TakeAsync(2, cancellationToken), Is.EqualTo(new[] { "a much longer first line of the new file", "second" }));
        await follow.AssertNothingMoreAsync(cancellationToken);
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task FollowAsync_DeletedThenRecreated_NewFileFollowed(CancellationToken cancellationToken)
    {
        Append(_path, "old\npartial without newline");
        await using var follow = Follow.Start(_path, 1024, FastPoll, cancellationToken);
        Assert.That((await follow.NextAsync(cancellationToken)).Text, Is.EqualTo("old"));

        File.Delete(_path);
        await Task.Delay(100, cancellationToken);
        Append(_path, "new file line\n");

        // The old file's unterminated last line is ended when its successor appears.
        Assert.That(await follow.TakeAsync(2, cancellationToken), Is.EqualTo(new[] { "partial without newline", "new file line" }));
    }

    [Test]
    [CancelAfter(30_000)]
    public async Task FollowAsync_TenMegabyteLine_CutAndFlaggedFollowingLinesDeliveredMemoryBounded(CancellationToken cancellationToken)
    {
        // Arrange
        const int maxLineBytes = 1024 * 1024;
        const int lineBytes = 10 * 1024 * 1024;
        var before = GC.GetTotalAllocatedBytes(precise: true);
        await using var follow = Follow.Start(_path, maxLineBytes, FastPoll, cancellationToken);
        var block = new byte[64 * 1024];
        Array.Fill(block, (byte)'x');

        // Act: written in 64 KiB pieces, the reader interleaving as it likes.
        await using (var writer = new FileStream(_path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite, bufferSize: 1))
        {
            writer.Write("DONE: "u8);
            for (var written = 6; written < lineBytes; written += block.Length)
            {
                await writer.WriteAsync(block.AsMemory(0, Math.Min(block.Length, lineBytes - written)), cancellationToken);
            }

            await writer.WriteAsync("\nSTATUS: 50% after\n"u8.ToArray(), cancellationToken);
        }

        var cut = await follow.NextAsync(cancellationToken);
        var after = await follow.NextAsync(cancellationToken);
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
        await TestContext.Out.WriteLineAsync($"allocated while following a {lineBytes}-byte line: {allocated} bytes");

        // Assert
        Assert.That(cut.Truncated, Is.True);
        Assert.That(cut.Text, Has.Length.EqualTo(maxLineBytes));
        Assert.That(cut.Text, Does.StartWith("DONE: xxx"));
        Assert.That(after, Is.EqualTo(new FollowedLine("STATUS: 50% after")));
        Assert.That(allocated, Is.LessThan(lineBytes), "the follower must not buffer the whole line");
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task FollowAsync_InvalidUtf8_ReplacedFlaggedAndFollowingContinues(CancellationToken cancellationToken)
    {
        File.WriteAllBytes(_path, [.. "bad "u8, 0xFF, 0xFE, .. " bytes\nfine\n"u8]);
        await using var follow = Follow.Start(_path, 1024, FastPoll, cancellationToken);

        Assert.That(await follow.NextAsync(cancellationToken), Is.EqualTo(new FollowedLine("bad \uFFFD\uFFFD bytes", InvalidUtf8: true)));
        Assert.That(await follow.NextAsync(cancellationToken), Is.EqualTo(new FollowedLine("fine")));
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task FollowAsync_Cancelled_EnumerationEndsWithOperationCanceled(CancellationToken cancellationToken)
    {
        // Arrange: nothing to read and no polling: the reader sits in its wait.
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var enumerator = LocalFileFollower.FollowAsync(_path, 1024, NoPoll, cancel.Token).GetAsyncEnumerator(cancel.Token);
        var next = enumerator.MoveNextAsync().AsTask();
        await Task.Delay(100, cancellationToken);

        // Act
        await cancel.CancelAsync();

        // Assert
        Assert.That(async () => await next, Throws.InstanceOf<OperationCanceledException>());
        await enumerator.DisposeAsync();
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task FollowAsync_EnumerationDisposed_FileHandleClosed(CancellationToken cancellationToken)
    {
        // Arrange
        Append(_path, "one\n");
        var enumerator = LocalFileFollower.FollowAsync(_path, 1024, FastPoll, cancellationToken).GetAsyncEnumerator(cancellationToken);
        Assert.That(await enumerator.MoveNextAsync(), Is.True);
        var openWhileFollowing = OpenDescriptorsTo(_path);

        // Act
        await enumerator.DisposeAsync();

        // Assert
        Assert.That(openWhileFollowing, Is.EqualTo(1));
        Assert.That(OpenDescriptorsTo(_path), Is.Zero);
    }

    [Test]
    public void FollowAsync_InvalidArguments_ThrowEagerly()
    {
        Assert.That(() => LocalFileFollower.FollowAsync("", 1024, CancellationToken.None), Throws.ArgumentException);
        Assert.That(() => LocalFileFollower.FollowAsync(_path, 1, CancellationToken.None), Throws.InstanceOf<ArgumentOutOfRangeException>());
    }

    private static void Append(string path, string text)
    {
        using var stream = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
        stream.Write(Encoding.UTF8.GetBytes(text));
    }

    private static int OpenDescriptorsTo(string path)
    {
        var target = Path.GetFullPath(path);
        return new DirectoryInfo("/proc/self/fd").EnumerateFileSystemInfos()
            .Count(fd => SafeLinkTarget(fd) == target);

        static string? SafeLinkTarget(FileSystemInfo fd)
        {
            try
            {
                return fd.LinkTarget;
            }
            catch (IOException)
            {
                return null;
            }
        }
    }

    /// <summary>Runs a follower in the background and exposes its lines through a channel.</summary>
    private sealed class Follow : IAsyncDisposable
    {
        private readonly CancellationTokenSource _stop;
        private readonly Channel<FollowedLine> _lines = Channel.CreateUnbounded<FollowedLine>();
        private Task _pump = Task.CompletedTask;

        private Follow(CancellationToken testToken) => _stop = CancellationTokenSource.CreateLinkedTokenSource(testToken);

        public static Follow Start(string path, int maxLineBytes, TimeSpan pollInterval, CancellationToken testToken)
        {
            var follow = new Follow(testToken);
            follow._pump = Task.Run(async () =>
            {
                try
                {
                    await foreach (var line in LocalFileFollower.FollowAsync(path, maxLineBytes, pollInterval, follow._stop.Token))
                    {
                        await follow._lines.Writer.WriteAsync(line);
                    }
                }
                catch (OperationCanceledException)
                {
                }
                finally
                {
                    follow._lines.Writer.TryComplete();
                }
            });
            return follow;
        }

        public async Task<FollowedLine> NextAsync(CancellationToken cancellationToken) => await _lines.Reader.ReadAsync(cancellationToken);

        public async Task<string[]> TakeAsync(int count, CancellationToken cancellationToken)
        {
            var texts = new string[count];
            for (var i = 0; i < count; i++)
            {
                texts[i] = (await NextAsync(cancellationToken)).Text;
            }

            return texts;
        }

        public async Task AssertNothingMoreAsync(CancellationToken cancellationToken)
        {
            // Ten poll intervals: a duplicate or a stray line would have arrived by now.
            await Task.Delay(200, cancellationToken);
            Assert.That(_lines.Reader.TryRead(out var extra), Is.False, $"unexpected line '{extra.Text}'");
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            await _pump;
            _stop.Dispose();
        }
    }
}
