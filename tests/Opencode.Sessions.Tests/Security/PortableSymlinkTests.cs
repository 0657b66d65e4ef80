using System.Formats.Tar;
using System.IO.Compression;
using Opencode.Sessions.Workdir;

namespace Opencode.Sessions.Tests.Security;

/// <summary>Absolute symlinks inside the work directory are stored relative, so any worker can restore the snapshot.</summary>
[Category("Security")]
public sealed class PortableSymlinkTests
{
    [TestCase("link", "/t/p/work/data.txt", ExpectedResult = "data.txt")]
    [TestCase("./a/b/link", "/t/p/work/data.txt", ExpectedResult = "../../data.txt")]
    [TestCase("a/b/link", "/t/p/work/a/c/x", ExpectedResult = "../c/x")]
    [TestCase("a/link", "/t/p/work", ExpectedResult = "..")]
    [TestCase("link", "/t/p/work/", ExpectedResult = ".")]
    [TestCase("a/link", "/t/p/work/a/../b//./x", ExpectedResult = "../b/x")]
    [TestCase("link", "/t/p/workdir2/x", ExpectedResult = null)]
    [TestCase("link", "/etc/passwd", ExpectedResult = null)]
    [TestCase("link", "/t/p/work/../secret", ExpectedResult = null)]
    [TestCase("link", "relative/target", ExpectedResult = null)]
    public string? RelativeInside_RewritesOnlyAbsoluteTargetsInsideTheWorkdir(string linkPath, string target) =>
        WorkdirSymlinks.RelativeInside("/t/p/work", linkPath, target);

    [Test]
    [CancelAfter(20_000)]
    public async Task MakePortable_GnuTarArchive_RewritesAbsoluteInWorkdirLinksAndKeepsEverythingElse(CancellationToken cancellationToken)
    {
        // Arrange: what GNU tar on an SSH host writes ("./" names, GNU format).
        using var source = new MemoryStream();
        await using (var gzip = new GZipStream(source, CompressionLevel.Fastest, leaveOpen: true))
        await using (var tar = new TarWriter(gzip, TarEntryFormat.Gnu))
        {
            await tar.WriteEntryAsync(new GnuTarEntry(TarEntryType.Directory, "./"), cancellationToken);
            await tar.WriteEntryAsync(new GnuTarEntry(TarEntryType.Directory, "./sub/"), cancellationToken);
            await tar.WriteEntryAsync(new GnuTarEntry(TarEntryType.RegularFile, "./data.txt") { DataStream = new MemoryStream("data"u8.ToArray()) }, cancellationToken);
            await tar.WriteEntryAsync(new GnuTarEntry(TarEntryType.SymbolicLink, "./sub/inside") { LinkName = "/remote/tasks/p/workdir/data.txt" }, cancellationToken);
            await tar.WriteEntryAsync(new GnuTarEntry(TarEntryType.SymbolicLink, "./outside") { LinkName = "/etc/passwd" }, cancellationToken);
        }

        source.Position = 0;
        using var portable = new MemoryStream();

        // Act
        await WorkdirArchiver.MakePortableAsync(source, portable, "/remote/tasks/p/workdir", cancellationToken);

        // Assert
        portable.Position = 0;
        var entries = new Dictionary<string, (TarEntryType Type, string Link, string? Data)>();
        await using (var gzip = new GZipStream(portable, CompressionMode.Decompress))
        await using (var reader = new TarReader(gzip))
        {
            while (await reader.GetNextEntryAsync(copyData: true, cancellationToken) is { } entry)
            {
                entries[entry.Name] = (entry.EntryType, entry.LinkName, entry.DataStream is null ? null : new StreamReader(entry.DataStream).ReadToEnd());
            }
        }

        Assert.That(entries.Keys, Is.EquivalentTo(new[] { "./", "./sub/", "./data.txt", "./sub/inside", "./outside" }));
        Assert.That(entries["./sub/inside"].Link, Is.EqualTo("../data.txt"));
        Assert.That(entries["./outside"].Link, Is.EqualTo("/etc/passwd"), "links outside stay as they are (a restore refuses them)");
        Assert.That(entries["./data.txt"].Data, Is.EqualTo("data"));
    }
}
