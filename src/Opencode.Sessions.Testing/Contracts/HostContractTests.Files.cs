using System.Formats.Tar;
using System.Text;
using NUnit.Framework;
using Opencode.Sessions.Hosting;

namespace Opencode.Sessions.Testing.Contracts;

/// <content>Files by absolute path, and the work-directory files that refuse symbolic links.</content>
public abstract partial class HostContractTests
{
    private const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>Every byte value survives a write and a read; parents are created; the default mode is 0600.</summary>
    /// <returns>A task that completes when the case is done.</returns>
    [Test]
    public async Task WriteFile_ThenOpenRead_RoundTripsEveryByteWithMode0600()
    {
        using var timeout = Timeout();
        var content = Enumerable.Range(0, 256).Select(i => (byte)i).Concat(Enumerable.Range(0, 512 * 1024).Select(i => (byte)(i * 31))).ToArray();
        var path = Host.WorkDirectory + "/new dir/it's $x.bin";

        await Host.WriteFileAsync(path, new MemoryStream(content), null, timeout.Token).ConfigureAwait(false);

        Assert.That(await ReadBytesAsync(path, timeout.Token).ConfigureAwait(false), Is.EqualTo(content));
        var entries = await ArchiveEntriesAsync([], timeout.Token).ConfigureAwait(false);
        Assert.That(entries["new dir/it's $x.bin"].Mode, Is.EqualTo(Private), "the default mode is 0600");
        Assert.That(entries.Keys.Where(k => k.StartsWith("new dir/", StringComparison.Ordinal)), Is.EqualTo(new[] { "new dir/it's $x.bin" }), "no temporary file is left");
    }

    /// <summary>A mode is applied exactly (not filtered by a umask) and a rewrite replaces the file and its mode.</summary>
    /// <param name="mode">The mode, as an octal number.</param>
    /// <returns>A task that completes when the case is done.</returns>
    [TestCase(0b111_101_000)] // 0750
    [TestCase(0b110_000_000)] // 0600
    [TestCase(0b111_111_101)] // 0775: group write survives only if the umask is not applied
    public async Task WriteFile_WithMode_AppliesTheModeExactlyAndReplacesTheTarget(int mode)
    {
        using var timeout = Timeout();
        var path = Host.WorkDirectory + "/bin/tool";
        await WriteTextAsync(path, "old", timeout.Token).ConfigureAwait(false);

        await Host.WriteFileAsync(path, new MemoryStream("#!/bin/sh\n"u8.ToArray()), (UnixFileMode)mode, timeout.Token).ConfigureAwait(false);

        Assert.That(await ReadTextAsync(path, timeout.Token).ConfigureAwait(false), Is.EqualTo("#!/bin/sh\n"));
        Assert.That((await ArchiveEntriesAsync([], timeout.Token).ConfigureAwait(false))["bin/tool"].Mode, Is.EqualTo((UnixFileMode)mode));
    }

    /// <summary>While a write is under way a reader sees the old file whole; afterwards the new one whole.</summary>
    /// <returns>A task that completes when the case is done.</returns>
    [Test]
    public async Task WriteFile_InProgress_ReaderSeesTheOldFileWholeNeverAPartialOne()
    {
        using var timeout = Timeout();
        var path = Host.WorkDirectory + "/atomic.txt";
        await WriteTextAsync(path, "old content", timeout.Token).ConfigureAwait(false);
        var content = new GatedStream(64 * 1024, 64 * 1024);

        var writing = Host.WriteFileAsync(path, content, null, timeout.Token);
        await content.Halfway.WaitAsync(timeout.Token).ConfigureAwait(false);
        var during = await ReadTextAsync(path, timeout.Token).ConfigureAwait(false);
        content.Release();
        await writing.ConfigureAwait(false);

        Assert.That(during, Is.EqualTo("old content"), "a reader saw a partial file");
        Assert.That(await ReadBytesAsync(path, timeout.Token).ConfigureAwait(false), Is.EqualTo(content.AllBytes));
    }

    /// <summary>A cancelled write leaves the old file and, eventually, no temporary file.</summary>
    /// <returns>A task that completes when the case is done.</returns>
    [Test]
    public async Task WriteFile_Cancelled_LeavesTheOldFileAndNoTemporaryFile()
    {
        using var timeout = Timeout();
        var path = Host.WorkDirectory + "/cancelled/target.txt";
        await WriteTextAsync(path, "old content", timeout.Token).ConfigureAwait(false);
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token);
        var content = new GatedStream(64 * 1024, 64 * 1024);

        var writing = Host.WriteFileAsync(path, content, null, cancel.Token);
        await content.Halfway.WaitAsync(timeout.Token).ConfigureAwait(false);
        await cancel.CancelAsync().ConfigureAwait(false);

        Assert.That(async () => await writing.ConfigureAwait(false), Throws.InstanceOf<OperationCanceledException>());
        Assert.That(await ReadTextAsync(path, timeout.Token).ConfigureAwait(false), Is.EqualTo("old content"));
        Assert.That(
            await EventuallyAsync(async () => (await ArchiveEntriesAsync([], timeout.Token).ConfigureAwait(false)).Keys.Count(k => k.StartsWith("cancelled/", StringComparison.Ordinal)) == 1, timeout.Token).ConfigureAwait(false),
            Is.True,
            "the temporary file was not removed");
    }

    /// <summary>Reading a missing file throws <see cref="FileNotFoundException"/>; removing one twice is fine.</summary>
    /// <returns>A task that completes when the case is done.</returns>
    [Test]
    public async Task OpenRead_Missing_ThrowsFileNotFound_AndRemoveFileToleratesMissing()
    {
        using var timeout = Timeout();
        var path = Host.WorkDirectory + "/gone 'x'.txt";
        await WriteTextAsync(path, "x", timeout.Token).ConfigureAwait(false);

        await Host.RemoveFileAsync(path, timeout.Token).ConfigureAwait(false);
        await Host.RemoveFileAsync(path, timeout.Token).ConfigureAwait(false);

        Assert.That(async () => await Host.OpenReadAsync(path, timeout.Token).ConfigureAwait(false), Throws.InstanceOf<FileNotFoundException>());
    }

    /// <summary>Work-directory files round-trip, with their mode, and are the same files as by absolute path.</summary>
    /// <returns>A task that completes when the case is done.</returns>
    [Test]
    public async Task WorkdirFile_WriteThenOpen_RoundTripsWithMode()
    {
        using var timeout = Timeout();
        var mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

        await Host.WriteWorkdirFileAsync("hooks/./run.sh", new MemoryStream("echo hi\n"u8.ToArray()), mode, timeout.Token).ConfigureAwait(false);

        var stream = await Host.OpenWorkdirFileAsync("hooks/run.sh", timeout.Token).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            using var reader = new StreamReader(stream, Encoding.UTF8);
            Assert.That(await reader.ReadToEndAsync(timeout.Token).ConfigureAwait(false), Is.EqualTo("echo hi\n"));
        }

        Assert.That(await ReadTextAsync(Host.WorkDirectory + "/hooks/run.sh", timeout.Token).ConfigureAwait(false), Is.EqualTo("echo hi\n"));
        Assert.That((await ArchiveEntriesAsync([], timeout.Token).ConfigureAwait(false))["hooks/run.sh"].Mode, Is.EqualTo(mode));
    }

    /// <summary>Paths that leave the work directory, and missing files, are refused with the matching reason.</summary>
    /// <param name="relativePath">The path.</param>
    /// <param name="reason">The expected reason.</param>
    /// <returns>A task that completes when the case is done.</returns>
    [TestCase("../escape.txt", UnsafeWorkdirPathReason.EscapesWorkdir)]
    [TestCase("a/../../escape.txt", UnsafeWorkdirPathReason.EscapesWorkdir)]
    [TestCase("/etc/passwd", UnsafeWorkdirPathReason.EscapesWorkdir)]
    [TestCase("", UnsafeWorkdirPathReason.EscapesWorkdir)]
    [TestCase("missing.txt", UnsafeWorkdirPathReason.NotFound)]
    public async Task WorkdirFile_UnsafeOrMissingPath_IsRefused(string relativePath, UnsafeWorkdirPathReason reason)
    {
        using var timeout = Timeout();

        var error = await Assert.ThrowsAsync<UnsafeWorkdirPathException>(() => Host.OpenWorkdirFileAsync(relativePath, timeout.Token)).ConfigureAwait(false);

        Assert.That(error!.Reason, Is.EqualTo(reason));
        if (reason == UnsafeWorkdirPathReason.EscapesWorkdir)
        {
            await Assert.ThrowsAsync<UnsafeWorkdirPathException>(() => Host.WriteWorkdirFileAsync(relativePath, new MemoryStream("x"u8.ToArray()), null, timeout.Token)).ConfigureAwait(false);
            Assert.That(async () => await Host.OpenReadAsync(Host.TaskDirectory + "/escape.txt", timeout.Token).ConfigureAwait(false), Throws.InstanceOf<FileNotFoundException>());
        }
    }

    /// <summary>A symbolic link anywhere in a work-directory path is refused, for reading and for writing through it.</summary>
    /// <returns>A task that completes when the case is done.</returns>
    [Test]
    public async Task WorkdirFile_ThroughOrAtASymlink_IsRefusedAndNothingOutsideIsTouched()
    {
        using var timeout = Timeout();
        var outside = Host.TaskDirectory + "/outside";
        await WriteTextAsync(outside + "/secret.txt", "secret", timeout.Token).ConfigureAwait(false);
        await CreateSymlinkAsync(Host.WorkDirectory + "/dir-link", outside, timeout.Token).ConfigureAwait(false);
        await CreateSymlinkAsync(Host.WorkDirectory + "/file-link.txt", outside + "/secret.txt", timeout.Token).ConfigureAwait(false);

        var throughDirectory = await Assert.ThrowsAsync<UnsafeWorkdirPathException>(() => Host.OpenWorkdirFileAsync("dir-link/secret.txt", timeout.Token)).ConfigureAwait(false);
        var atLeaf = await Assert.ThrowsAsync<UnsafeWorkdirPathException>(() => Host.OpenWorkdirFileAsync("file-link.txt", timeout.Token)).ConfigureAwait(false);
        var writeThrough = await Assert.ThrowsAsync<UnsafeWorkdirPathException>(() => Host.WriteWorkdirFileAsync("dir-link/planted.txt", new MemoryStream("x"u8.ToArray()), null, timeout.Token)).ConfigureAwait(false);

        Assert.That((throughDirectory!.Reason, atLeaf!.Reason, writeThrough!.Reason), Is.EqualTo((UnsafeWorkdirPathReason.SymbolicLink, UnsafeWorkdirPathReason.SymbolicLink, UnsafeWorkdirPathReason.SymbolicLink)));
        Assert.That(async () => await Host.OpenReadAsync(outside + "/planted.txt", timeout.Token).ConfigureAwait(false), Throws.InstanceOf<FileNotFoundException>());
        Assert.That(await ReadTextAsync(outside + "/secret.txt", timeout.Token).ConfigureAwait(false), Is.EqualTo("secret"));
    }

    /// <summary>A write at a symlink replaces the link and leaves its target alone.</summary>
    /// <returns>A task that completes when the case is done.</returns>
    [Test]
    public async Task WorkdirFile_WriteAtASymlink_ReplacesTheLinkNotItsTarget()
    {
        using var timeout = Timeout();
        var outside = Host.TaskDirectory + "/outside/target.txt";
        await WriteTextAsync(outside, "untouched", timeout.Token).ConfigureAwait(false);
        await CreateSymlinkAsync(Host.WorkDirectory + "/leaf.txt", outside, timeout.Token).ConfigureAwait(false);

        await Host.WriteWorkdirFileAsync("leaf.txt", new MemoryStream("new"u8.ToArray()), null, timeout.Token).ConfigureAwait(false);

        Assert.That(await ReadTextAsync(outside, timeout.Token).ConfigureAwait(false), Is.EqualTo("untouched"));
        var entries = await ArchiveEntriesAsync([], timeout.Token).ConfigureAwait(false);
        Assert.That((entries["leaf.txt"].Type, entries["leaf.txt"].Content), Is.EqualTo((TarEntryType.RegularFile, "new"u8.ToArray())));
    }

    /// <summary>Real paths resolve links and <c>..</c> and allow a missing tail.</summary>
    /// <returns>A task that completes when the case is done.</returns>
    [Test]
    public async Task ResolveRealPath_ResolvesSymlinksAndDotsAndAllowsAMissingTail()
    {
        using var timeout = Timeout();
        var real = Host.TaskDirectory + "/real dir";
        await WriteTextAsync(real + "/keep.txt", "x", timeout.Token).ConfigureAwait(false);
        await CreateSymlinkAsync(Host.WorkDirectory + "/link", real, timeout.Token).ConfigureAwait(false);
        var expectedRoot = await Host.ResolveRealPathAsync(Host.TaskDirectory, timeout.Token).ConfigureAwait(false);

        var resolved = await Host.ResolveRealPathAsync(Host.WorkDirectory + "/link/./sub/../missing file", timeout.Token).ConfigureAwait(false);

        Assert.That(resolved, Is.EqualTo(expectedRoot + "/real dir/missing file"));
    }

    /// <summary>Cleanup removes the task directory, and a second cleanup is fine.</summary>
    /// <returns>A task that completes when the case is done.</returns>
    [Test]
    public async Task CleanupTaskDirectory_RemovesEverythingAndMayRunTwice()
    {
        using var timeout = Timeout();
        var path = Host.WorkDirectory + "/deep/file.txt";
        await WriteTextAsync(path, "x", timeout.Token).ConfigureAwait(false);

        await Host.CleanupTaskDirectoryAsync(timeout.Token).ConfigureAwait(false);
        await Host.CleanupTaskDirectoryAsync(timeout.Token).ConfigureAwait(false);

        Assert.That(async () => await Host.OpenReadAsync(path, timeout.Token).ConfigureAwait(false), Throws.InstanceOf<FileNotFoundException>());
    }
}
