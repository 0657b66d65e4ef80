using System.Security.Cryptography;
using Opencode.Sessions.Hosting;
using Opencode.Sessions.IntegrationTests.Infrastructure;

namespace Opencode.Sessions.IntegrationTests.Hosting;

[TestFixture]
public sealed class SshHostFileTests : SshHostTestBase
{
    [TestCase("plain.bin", true)]
    [TestCase("-leading dash 'quoted' $HOME `x`\nnewline.bin", true)]
    [TestCase("-leading dash 'quoted' $HOME `x`\nnewline.bin", false)]
    [CancelAfter(120_000)]
    public async Task WriteFile_ThenOpenRead_RoundTripsBinaryData(string name, bool seekable, CancellationToken cancellationToken)
    {
        // Every byte value, then a few MB of random data.
        var content = Enumerable.Range(0, 256).Select(i => (byte)i).Concat(RandomNumberGenerator.GetBytes(3 * 1024 * 1024 + 17)).ToArray();
        var path = Host.WorkDirectory + "/sub dir/" + name;

        // A seekable stream travels in one command (length known), a forward-only one in two (upload, then rename).
        await Host.WriteFileAsync(path, seekable ? new MemoryStream(content) : new ForwardOnlyStream(new MemoryStream(content)), null, cancellationToken);
        var copy = new MemoryStream();
        await using (var stream = await Host.OpenReadAsync(path, cancellationToken))
        {
            await stream.CopyToAsync(copy, cancellationToken);
        }

        Assert.That(copy.ToArray(), Is.EqualTo(content));
        Assert.That(File.ReadAllBytes(path), Is.EqualTo(content));
        Assert.That(File.GetUnixFileMode(path), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite));
        Assert.That(Directory.GetFiles(Path.GetDirectoryName(path)!), Has.Length.EqualTo(1), "no temporary file is left behind");
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task WriteFile_CancelledMidTransfer_LeavesTheOldTargetAndNoTemporaryFile([Values] bool seekable, CancellationToken cancellationToken)
    {
        var path = Host.WorkDirectory + "/target.txt";
        await File.WriteAllTextAsync(path, "old content", cancellationToken);
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var content = new StallingStream(64 * 1024, cancel, seekable ? 1024 * 1024 : null);

        await Assert.ThrowsAsync(Is.InstanceOf<OperationCanceledException>(), () => Host.WriteFileAsync(path, content, null, cancel.Token));

        Assert.That(File.ReadAllText(path), Is.EqualTo("old content"));
        Assert.That(await ProcessTable.WaitUntilAsync(() => Directory.GetFiles(Host.WorkDirectory).Length == 1, ProcessTable.SettleTimeout, cancellationToken), Is.True, "the temporary file was removed");
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task WriteFile_StreamEndsBeforeItsLength_FailsAndLeavesTheOldTargetAndNoTemporaryFile(CancellationToken cancellationToken)
    {
        // Arrange: a stream that claims 100 000 bytes but ends after 1 000 (a truncated source must never land).
        var path = Host.WorkDirectory + "/target.txt";
        await File.WriteAllTextAsync(path, "old content", cancellationToken);
        var content = new StallingStream(1000, cancel: null, claimedLength: 100_000);

        // Act
        var ex = await Assert.ThrowsAsync<HostCommandException>(() => Host.WriteFileAsync(path, content, null, cancellationToken));

        // Assert
        Assert.That(ex!.Message, Does.Contain("target.txt").And.Contain("1000 of 100000 bytes arrived"));
        Assert.That(File.ReadAllText(path), Is.EqualTo("old content"));
        Assert.That(Directory.GetFiles(Host.WorkDirectory), Has.Length.EqualTo(1), "the temporary file was removed");
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task OpenRead_MissingFileOrDirectory_ThrowsFileNotFound(CancellationToken cancellationToken)
    {
        await Assert.ThrowsAsync<FileNotFoundException>(() => Host.OpenReadAsync(Host.WorkDirectory + "/missing 'file'", cancellationToken));
        await Assert.ThrowsAsync<FileNotFoundException>(() => Host.OpenReadAsync(Host.WorkDirectory, cancellationToken));
    }

    /// <summary>
    /// Yields some bytes, then cancels the token and blocks until cancelled (or, without a token source, ends). With a
    /// claimed length it says it can seek and reports that length, as a seekable source would.
    /// </summary>
    private sealed class StallingStream(int bytesBeforeStall, CancellationTokenSource? cancel, long? claimedLength = null) : Stream
    {
        private int _remaining = bytesBeforeStall;
        private long _read;

        public override bool CanRead => true;

        public override bool CanSeek => claimedLength is not null;

        public override bool CanWrite => false;

        public override long Length => claimedLength ?? throw new NotSupportedException();

        public override long Position { get => claimedLength is null ? throw new NotSupportedException() : _read; set => throw new NotSupportedException(); }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (_remaining > 0)
            {
                var n = Math.Min(_remaining, buffer.Length);
                buffer.Span[..n].Fill((byte)'x');
                _remaining -= n;
                _read += n;
                return n;
            }

            if (cancel is null)
            {
                return 0;
            }

            await Task.Delay(300, CancellationToken.None);
            await cancel.CancelAsync();
            await Task.Delay(Timeout.Infinite, cancellationToken);
            return 0;
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    /// <summary>A read-only view of a stream that cannot seek, so its length is unknown to the reader.</summary>
    private sealed class ForwardOnlyStream(Stream inner) : Stream
    {
        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => inner.ReadAsync(buffer, cancellationToken);

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
