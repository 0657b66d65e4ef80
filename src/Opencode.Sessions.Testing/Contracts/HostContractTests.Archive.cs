using System.Formats.Tar;
using System.IO.Compression;
using NUnit.Framework;
using Opencode.Sessions.Workdir;

namespace Opencode.Sessions.Testing.Contracts;

/// <content>Archiving and restoring the work directory; hostile archives.</content>
public abstract partial class HostContractTests
{
    /// <summary>The exclusion patterns the round trip uses: a name, a wildcard, and a directory at any depth.</summary>
    private static readonly string[] RoundTripExcludes = [".git", "*.pyc", "node_modules"];

    /// <summary>Files, modes and empty directories survive archive and restore; excluded paths stay out; restore replaces the work directory.</summary>
    /// <returns>A task that completes when the case is done.</returns>
    [Test]
    public async Task ArchiveThenRestore_RoundTripsTheWorkdirAndHonoursExclusions()
    {
        using var timeout = Timeout();
        var work = Host.WorkDirectory;
        var binary = Enumerable.Range(0, 300_000).Select(i => (byte)(i * 13)).ToArray();
        var executable = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
        await Host.WriteFileAsync(work + "/src/deep dir 'x'/data $1.bin", new MemoryStream(binary), null, timeout.Token).ConfigureAwait(false);
        await Host.WriteFileAsync(work + "/bin/run", new MemoryStream("#!/bin/sh\n"u8.ToArray()), executable, timeout.Token).ConfigureAwait(false);
        await WriteTextAsync(work + "/AGENTS.md", "# agents\n", timeout.Token).ConfigureAwait(false);
        await WriteTextAsync(work + "/empty/placeholder", "", timeout.Token).ConfigureAwait(false);
        await Host.RemoveFileAsync(work + "/empty/placeholder", timeout.Token).ConfigureAwait(false);
        await WriteTextAsync(work + "/.git/HEAD", "ref", timeout.Token).ConfigureAwait(false);
        await WriteTextAsync(work + "/sub/node_modules/x.js", "x", timeout.Token).ConfigureAwait(false);
        await WriteTextAsync(work + "/sub/cache.pyc", "x", timeout.Token).ConfigureAwait(false);
        await WriteTextAsync(work + "/sub/kept.py", "print()", timeout.Token).ConfigureAwait(false);

        using var archive = new MemoryStream();
        await Host.ArchiveWorkdirAsync(archive, RoundTripExcludes, timeout.Token).ConfigureAwait(false);
        var entries = await ArchiveEntriesAsync(RoundTripExcludes, timeout.Token).ConfigureAwait(false);

        Assert.That(entries.Keys, Does.Contain("src/deep dir 'x'/data $1.bin").And.Contain("empty").And.Contain("sub/kept.py"));
        Assert.That(entries.Keys.Where(n => n.Contains(".git", StringComparison.Ordinal) || n.Contains("node_modules", StringComparison.Ordinal) || n.EndsWith(".pyc", StringComparison.Ordinal)), Is.Empty);

        await WriteTextAsync(work + "/junk.txt", "junk", timeout.Token).ConfigureAwait(false);
        await WriteTextAsync(work + "/AGENTS.md", "changed", timeout.Token).ConfigureAwait(false);
        archive.Position = 0;
        await Host.RestoreWorkdirAsync(archive, timeout.Token).ConfigureAwait(false);

        Assert.That(await ReadBytesAsync(work + "/src/deep dir 'x'/data $1.bin", timeout.Token).ConfigureAwait(false), Is.EqualTo(binary));
        Assert.That(await ReadTextAsync(work + "/AGENTS.md", timeout.Token).ConfigureAwait(false), Is.EqualTo("# agents\n"));
        Assert.That(async () => await Host.OpenReadAsync(work + "/junk.txt", timeout.Token).ConfigureAwait(false), Throws.InstanceOf<FileNotFoundException>(), "restore empties the work directory first");
        Assert.That(async () => await Host.OpenReadAsync(work + "/.git/HEAD", timeout.Token).ConfigureAwait(false), Throws.InstanceOf<FileNotFoundException>(), "excluded paths are not restored");
        var restored = await ArchiveEntriesAsync([], timeout.Token).ConfigureAwait(false);
        Assert.That(restored["bin/run"].Mode, Is.EqualTo(executable));
        Assert.That(restored["empty"].Type, Is.EqualTo(TarEntryType.Directory));
    }

    /// <summary>Entries that would land outside the work directory are refused and nothing is written outside it.</summary>
    /// <param name="attack">Which hostile archive.</param>
    /// <returns>A task that completes when the case is done.</returns>
    [TestCase("dotdot")]
    [TestCase("absolute")]
    [TestCase("symlink")]
    public async Task RestoreWorkdir_HostileEntries_AreRefusedAndNothingLandsOutside(string attack)
    {
        using var timeout = Timeout();
        var outside = Host.TaskDirectory + "/outside";
        await WriteTextAsync(outside + "/keep.txt", "keep", timeout.Token).ConfigureAwait(false);
        var escapeName = attack switch
        {
            "dotdot" => "../escape.txt",
            "absolute" => outside + "/escape.txt",
            _ => "./escape/escape.txt",
        };
        using var archive = new MemoryStream();
        var gzip = new GZipStream(archive, CompressionLevel.Fastest, leaveOpen: true);
        await using (gzip.ConfigureAwait(false))
        {
            var tar = new TarWriter(gzip, TarEntryFormat.Gnu);
            await using (tar.ConfigureAwait(false))
            {
                await tar.WriteEntryAsync(new GnuTarEntry(TarEntryType.RegularFile, "./harmless.txt") { DataStream = new MemoryStream("ok"u8.ToArray()) }, timeout.Token).ConfigureAwait(false);
                if (attack == "symlink")
                {
                    await tar.WriteEntryAsync(new GnuTarEntry(TarEntryType.SymbolicLink, "./escape") { LinkName = outside }, timeout.Token).ConfigureAwait(false);
                }

                await tar.WriteEntryAsync(new GnuTarEntry(TarEntryType.RegularFile, escapeName) { DataStream = new MemoryStream("pwned"u8.ToArray()) }, timeout.Token).ConfigureAwait(false);
            }
        }

        archive.Position = 0;

        Assert.That(async () => await Host.RestoreWorkdirAsync(archive, timeout.Token).ConfigureAwait(false), Throws.InstanceOf<UnsafeArchiveEntryException>());
        Assert.That(async () => await Host.OpenReadAsync(outside + "/escape.txt", timeout.Token).ConfigureAwait(false), Throws.InstanceOf<FileNotFoundException>());
        Assert.That(async () => await Host.OpenReadAsync(Host.TaskDirectory + "/escape.txt", timeout.Token).ConfigureAwait(false), Throws.InstanceOf<FileNotFoundException>());
        Assert.That(await ReadTextAsync(outside + "/keep.txt", timeout.Token).ConfigureAwait(false), Is.EqualTo("keep"));
    }

    /// <summary>Bytes that are not a gzip-compressed tar are refused with <see cref="InvalidDataException"/>.</summary>
    /// <returns>A task that completes when the case is done.</returns>
    [Test]
    public async Task RestoreWorkdir_NotAnArchive_IsRefused()
    {
        using var timeout = Timeout();

        Assert.That(
            async () => await Host.RestoreWorkdirAsync(new MemoryStream("not gzip at all"u8.ToArray()), timeout.Token).ConfigureAwait(false),
            Throws.InstanceOf<InvalidDataException>());
    }
}
